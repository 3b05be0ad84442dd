"""A uv workspace's plan: each member's lint and tests, named by it, on the workspace's files."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.errors import ConfigError
from shipyard.gitinfo import NO_GIT
from shipyard.plan.digest import stage_digests
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.plan.sources import hash_files, list_files, select
from shipyard.stages.spec import ContainerStep

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from shipyard.config.load import Project
    from shipyard.plan.graph import Plan

CONTEXT = PlanContext(git=NO_GIT, today=dt.date(2026, 12, 1), host_platform="linux/amd64")
API, CORE = "packages/ledger-api", "packages/ledger-core"


@pytest.fixture
def workspace(copy_example: Callable[[str], Path]) -> Path:
    return copy_example("workspace")


def plan(project: Project, **selection: object) -> Plan:
    return build_plan(project, CONTEXT, **selection)  # pyright: ignore[reportArgumentType]


def digests(root: Path, **selection: object) -> dict[str, str]:
    project = load_project(root)
    files = list_files(root)
    return stage_digests(plan(project, **selection), files, hash_files(root, files), NO_GIT)


def test_each_member_has_its_own_lint_and_matrix_named_by_it(workspace: Path) -> None:
    ids = plan(load_project(workspace)).ids
    members = [i for i in ids if i.startswith(("lint", "test"))]
    assert members == [
        "lint-ledger-api",
        "test-ledger-api-3.14",
        "test-ledger-api-3.15",
        "lint-ledger-core",
        "test-ledger-core-3.14",
        "test-ledger-core-3.15",
    ]
    assert "package" not in ids  # a virtual root is no package; the scans are the workspace's
    assert {"scan-history", "scan-source"} <= set(ids)


def test_a_member_installs_from_the_workspace_root_as_that_member(workspace: Path) -> None:
    stage = plan(load_project(workspace)).get("test-ledger-api-3.15")
    step = stage.action
    assert isinstance(step, ContainerStep)
    assert (step.tree, step.workdir) == ("/src", f"/src/{API}")
    sync = next(c.argv for c in step.commands if c.label == "install")
    assert sync[1:5] == ("sync", "--locked", "--package", "ledger-api")
    assert step.environment is not None
    assert step.environment.reads == (
        "pyproject.toml",
        "uv.lock",
        "uv.toml",
        f"{API}/pyproject.toml",
        f"{CORE}/pyproject.toml",
    )
    assert step.services is not None
    assert step.services.file == "compose.yaml"  # the root's, found from the member walking up
    chosen = select(list_files(workspace), stage.inputs)
    assert {"uv.lock", "compose.yaml", f"{API}/src/ledger_api/__init__.py"} <= set(chosen)
    assert {f"{CORE}/src/ledger_core/__init__.py", f"{CORE}/README.md"} <= set(chosen)  # what it needs
    assert "README.md" not in chosen


def test_package_selects_one_members_stages_and_source_on_a_member_does_so_by_default(
    workspace: Path,
) -> None:
    chosen = plan(load_project(workspace), packages=("ledger-core",)).ids
    assert [i for i in chosen if i.startswith(("lint", "test"))] == [
        "lint-ledger-core",
        "test-ledger-core-3.14",
        "test-ledger-core-3.15",
    ]
    focused = plan(load_project(workspace / API), names=("test",), pythons=("3.14",)).ids
    assert focused == ("test-ledger-api-3.14",)
    with pytest.raises(ConfigError, match="names no workspace member: this workspace's members are"):
        plan(load_project(workspace), packages=("ledger",))


def test_an_edit_in_a_member_re_runs_it_and_its_dependents_only(workspace: Path) -> None:
    before = digests(workspace)
    core = workspace / CORE / "src" / "ledger_core" / "__init__.py"
    core.write_text(core.read_text() + "\n# a comment\n")
    after_core = digests(workspace)
    changed = {s for s in before if before[s] != after_core[s]}
    assert {s for s in changed if s.startswith(("lint", "test"))} == {
        "lint-ledger-core",
        "test-ledger-core-3.14",
        "test-ledger-core-3.15",
        "test-ledger-api-3.14",
        "test-ledger-api-3.15",
    }
    api = workspace / API / "src" / "ledger_api" / "__init__.py"
    api.write_text(api.read_text() + "\n# a comment\n")
    after_api = digests(workspace)
    changed = {s for s in after_core if after_core[s] != after_api[s]}
    assert {s for s in changed if s.startswith(("lint", "test"))} == {
        "lint-ledger-api",
        "test-ledger-api-3.14",
        "test-ledger-api-3.15",
    }


def test_the_lock_re_runs_every_members_tests(workspace: Path) -> None:
    before = digests(workspace)
    lock = workspace / "uv.lock"
    lock.write_text(lock.read_text() + "\n")
    after = digests(workspace)
    changed = {s for s in before if before[s] != after[s]}
    assert {s for s in changed if s.startswith("test-")} == {
        "test-ledger-api-3.14",
        "test-ledger-api-3.15",
        "test-ledger-core-3.14",
        "test-ledger-core-3.15",
    }


def test_a_directory_of_packages_gives_each_its_own_stages_and_install(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    project = '[project]\nname = "{}"\nversion = "1"\nrequires-python = ">=3.13"\n'
    root = write_project(
        {
            "libs/alpha/pyproject.toml": project.format("alpha"),
            "libs/alpha/uv.lock": "version = 1\n",
            "libs/alpha/src/alpha/__init__.py": "",
            "tools/beta/pyproject.toml": project.format("beta")
            + '[tool.shipyard.test]\nrequirements = ["requirements-dev.txt"]\n',
            "tools/beta/requirements-dev.txt": "pytest==8.4.2\n",
            "tools/beta/beta.py": "",
            "tools/beta/tests/fixture/pyproject.toml": project.format("fixture"),  # inside a package
            "node_modules/x/pyproject.toml": project.format("x"),
        }
    )
    loaded = load_project(root)
    assert [m.name for m in loaded.members] == ["alpha", "beta"]
    ids = plan(loaded, names=("lint", "test")).ids
    assert ids == ("lint-alpha", "test-alpha-3.13", "test-alpha-3.14", "test-alpha-3.15", "lint-beta",
                   "test-beta-3.13", "test-beta-3.14", "test-beta-3.15")  # fmt: skip
    alpha = plan(loaded, names=("test",), pythons=("3.13",), packages=("alpha",)).get("test-alpha-3.13")
    step = alpha.action
    assert isinstance(step, ContainerStep)
    assert step.workdir == "/src/libs/alpha"
    sync = next(c.argv for c in step.commands if c.label == "install")
    assert "--package" not in sync  # its own lock, in its own folder
    assert step.environment is not None
    assert step.environment.reads == ("libs/alpha/pyproject.toml", "libs/alpha/uv.lock")
    beta = plan(loaded, names=("test",), pythons=("3.13",), packages=("beta",)).get("test-beta-3.13")
    assert isinstance(beta.action, ContainerStep)
    assert beta.action.environment is not None
    assert beta.action.environment.reads == ("tools/beta/requirements-dev.txt",)
    before = digests(root)
    (root / "tools" / "beta" / "beta.py").write_text("X = 1\n")
    after = digests(root)
    assert {s for s in before if before[s] != after[s] and s.startswith(("lint", "test"))} == {
        "lint-beta",
        "test-beta-3.13",
        "test-beta-3.14",
        "test-beta-3.15",
    }
