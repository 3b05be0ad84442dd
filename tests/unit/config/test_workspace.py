"""uv workspaces found as uv finds them: the root walking up, members by glob, who needs whom."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.config.workspace import find_workspace
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

ROOT = '[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/old"]\n'


def member(name: str, *deps: str, extra: str = "") -> str:
    listed = ", ".join(f'"{d}"' for d in deps)
    head = f'[project]\nname = "{name}"\nversion = "1.0"\nrequires-python = ">=3.14"\n'
    return f"{head}dependencies = [{listed}]\n{extra}"


@pytest.fixture
def workspace(write_project: Callable[[dict[str, str]], Path]) -> Path:
    return write_project(
        {
            "pyproject.toml": ROOT,
            "uv.lock": "version = 1\n",
            "compose.yaml": "services:\n  db:\n    image: postgres:15-bookworm\n",
            "packages/core/pyproject.toml": member("Core_Lib"),
            "packages/api/pyproject.toml": member(
                "api", "core-lib>=1", "httpx", extra='[tool.shipyard.test]\nservices = ["db"]\n'
            ),
            "packages/cli/pyproject.toml": member("cli", extra='[dependency-groups]\ndev = ["api"]\n'),
            "packages/old/pyproject.toml": member("old"),
            "packages/notes/README.md": "not a package\n",
        }
    )


def test_the_root_members_and_their_needs_are_read_from_the_root(workspace: Path) -> None:
    found = find_workspace(workspace)
    assert found is not None
    assert found.root == workspace
    assert found.virtual
    assert [(m.path, m.name, m.needs) for m in found.members] == [
        ("packages/api", "api", ("packages/core",)),
        ("packages/cli", "cli", ("packages/api",)),
        ("packages/core", "Core_Lib", ()),
    ]
    core = found.named("core-lib")
    assert core is not None
    assert [m.name for m in found.dependents(core)] == ["api", "cli"]
    cli = found.named("cli")
    assert cli is not None
    assert [m.path for m in found.closure(cli)] == ["packages/api", "packages/core"]
    assert found.reads() == (
        "pyproject.toml",
        "uv.lock",
        "uv.toml",
        "packages/api/pyproject.toml",
        "packages/cli/pyproject.toml",
        "packages/core/pyproject.toml",
    )


def test_a_member_finds_its_root_walking_up_and_an_outsider_does_not(workspace: Path) -> None:
    found = find_workspace(workspace / "packages" / "api")
    assert found is not None
    assert found.root == workspace
    assert find_workspace(workspace / "packages" / "old") is None  # excluded: a project of its own


def test_a_broken_pyproject_above_the_project_is_not_the_projects_problem(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": "[tool.uv.workspace\n", "lib/pyproject.toml": member("lib")})
    assert find_workspace(root / "lib") is None
    with pytest.raises(ConfigError, match="not valid TOML"):
        find_workspace(root)


def test_source_on_a_member_loads_the_workspace_focused_on_it(workspace: Path) -> None:
    project = load_project(workspace / "packages" / "api")
    assert project.root == workspace
    assert project.focus == "api"
    assert project.virtual
    assert [m.name for m in project.members] == ["api", "cli", "Core_Lib"]
    api = project.members[0]
    assert api.root == workspace / "packages" / "api"
    assert api.pythons == ("3.14", "3.15")
    assert api.has_uv_lock  # the workspace's lock
    assert api.config.compose.file == "../../compose.yaml"  # found walking up, as compose finds it
    assert api.config.test.services == ("db",)


def test_a_workspace_without_its_lock_is_a_one_line_error(workspace: Path) -> None:
    (workspace / "uv.lock").unlink()
    with pytest.raises(ConfigError, match=r"uv workspace without uv\.lock") as caught:
        load_project(workspace)
    assert "uv lock" in (caught.value.fix or "")


def test_a_member_without_a_name_is_an_error_naming_the_file(workspace: Path) -> None:
    (workspace / "packages" / "cli" / "pyproject.toml").write_text('[project]\nversion = "1"\n')
    with pytest.raises(ConfigError, match=r"packages/cli/pyproject\.toml: a uv workspace member needs"):
        load_project(workspace)


def test_a_member_takes_the_roots_test_keys_and_may_not_set_the_workspaces(workspace: Path) -> None:
    root = workspace / "pyproject.toml"
    root.write_text(f'{ROOT}[tool.shipyard]\ntier = "full"\n[tool.shipyard.test]\nmarkers = "not slow"\n')
    project = load_project(workspace)
    core = next(m for m in project.members if m.name == "Core_Lib")
    assert core.config.test.markers == "not slow"
    api = next(m for m in project.members if m.name == "api")
    assert api.config.test.markers is None  # its own test table replaces the root's
    cli = workspace / "packages" / "cli" / "pyproject.toml"
    cli.write_text(member("cli", extra='[tool.shipyard.image]\nname = "cli"\n'))
    with pytest.raises(
        ConfigError, match=r"tool\.shipyard\.image is set in a workspace member's table"
    ) as caught:
        load_project(workspace)
    assert "workspace root's table" in (caught.value.fix or "")
