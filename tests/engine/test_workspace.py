"""A uv workspace as it comes: each member installed from the workspace root, tested on its own.

examples/workspace: a virtual root with one lock, `ledger-core` (a library) and `ledger-api` (uses
ledger-core; its tests need the `db` service of the root's compose.yaml). No key configures the
workspace: the default tier passes, each member's tests install with `uv sync --locked --package`,
and an edit in one member re-runs only that member's stages and its dependents'.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest
import tomlkit

from tests.engine.helpers import EXAMPLES, git_copy, git_init, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine
MEMBER_STAGES = {
    "lint-ledger-api",
    "lint-ledger-core",
    "test-ledger-api-3.14",
    "test-ledger-api-3.15",
    "test-ledger-core-3.14",
    "test-ledger-core-3.15",
}


def ran(project: Path) -> set[str]:
    """The member stages the last run executed (not taken from the cache)."""
    return {sid for sid, s in summary(project).items() if sid in MEMBER_STAGES and not s["cached"]}


def test_the_default_tier_passes_and_an_edit_re_runs_its_member_and_dependents_only(tmp_path: Path) -> None:
    project = git_copy("workspace", tmp_path)
    done = shipyard("run", "--source", str(project))
    stages = summary(project)
    assert done.returncode == 0, ({k: v["summary"] for k, v in stages.items()}, done.stderr[-3000:])
    assert set(stages) >= MEMBER_STAGES
    api = stages["test-ledger-api-3.15"]
    assert api["counts"]["passed"] == 2, api  # pyright: ignore[reportIndexIssue]
    log = (project / ".shipyard" / "out" / "test-ledger-api-3.15" / "log.txt").read_text()
    assert "sync --locked --package ledger-api" in log
    assert (
        "database system is ready"
        in (project / ".shipyard" / "out" / "test-ledger-api-3.15" / "services-logs.txt").read_text()
    )

    api_code = project / "packages" / "ledger-api" / "src" / "ledger_api" / "__init__.py"
    api_code.write_text(api_code.read_text().replace('"""A ledger', '"""An edited ledger', 1))
    assert shipyard("run", "--source", str(project)).returncode == 0
    assert ran(project) == {"lint-ledger-api", "test-ledger-api-3.14", "test-ledger-api-3.15"}

    core_code = project / "packages" / "ledger-core" / "src" / "ledger_core" / "__init__.py"
    core_code.write_text(core_code.read_text().replace('"""Amounts', '"""Edited amounts', 1))
    assert shipyard("run", "--source", str(project)).returncode == 0
    assert ran(project) == MEMBER_STAGES - {"lint-ledger-api"}


def test_source_on_a_member_runs_the_workspace_for_that_member(tmp_path: Path) -> None:
    project = git_copy("workspace", tmp_path)
    core = project / "packages" / "ledger-core"
    done = shipyard("run", "test", "--source", str(core), "--python", "3.14")
    stages = summary(project)  # the workspace's reports: the run is the workspace's
    assert done.returncode == 0, ({k: v["summary"] for k, v in stages.items()}, done.stderr[-3000:])
    assert set(stages) == {"test-ledger-core-3.14"}
    assert "ledger-core is a member of the workspace at" in done.stderr
    assert stages["test-ledger-core-3.14"]["status"] == "passed"
    wrong = shipyard("run", "test", "--source", str(project), "--package", "ledger")
    assert wrong.returncode == 2
    assert "--package 'ledger' names no workspace member" in wrong.stderr
    assert "ledger-api, ledger-core" in wrong.stderr


def test_a_directory_of_packages_tests_each_with_its_own_installer(tmp_path: Path) -> None:
    root = tmp_path / "monorepo"
    for example, folder in (("library", "libs/semverlite"), ("modern", "libs/tsafe")):
        shutil.copytree(
            EXAMPLES / example, root / folder, ignore=shutil.ignore_patterns(".shipyard", ".venv")
        )
    # the tier and the benchmarks are the repository's keys, not a package's (config.load MEMBER_KEYS)
    pyproject = root / "libs" / "semverlite" / "pyproject.toml"
    document = tomlkit.parse(pyproject.read_text())
    table = document["tool"]["shipyard"]  # pyright: ignore[reportIndexIssue]
    for key in ("tier", "bench"):
        table.pop(key)  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    pyproject.write_text(tomlkit.dumps(document))
    git_init(root)
    done = shipyard("run", "lint", "test", "--source", str(root), "--python", "3.13", "--python", "3.15")
    stages = summary(root)
    assert done.returncode == 0, ({k: v["summary"] for k, v in stages.items()}, done.stderr[-3000:])
    assert set(stages) == {"lint-semverlite", "test-semverlite-3.13", "lint-tsafe", "test-tsafe-3.15"}
    logs = {leg: (root / ".shipyard" / "out" / leg / "log.txt").read_text() for leg in stages}
    assert "pip install" in logs["test-semverlite-3.13"]  # its requirements file, in its folder
    assert "sync --locked --python" in logs["test-tsafe-3.15"]  # its own uv.lock
