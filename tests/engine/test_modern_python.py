"""examples/modern (requires-python >=3.14) on the seeded python:3.14/3.15-slim images, extras installed."""

from __future__ import annotations

import json
import re
import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

PYTHONS = ("3.14", "3.15")
"""What requires-python '>=3.14' admits of the supported set: the matrix, with no `python` list."""


@pytest.fixture(scope="module")
def modern(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return git_copy("modern", tmp_path_factory.mktemp("modern"))


def _commit(project: Path, message: str) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "commit", "-qam", message], cwd=project, check=True)


def _set_test_table(project: Path, table: str) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    head = text.split("[tool.shipyard.test]", 1)[0]
    pyproject.write_text(f"{head}[tool.shipyard.test]\n{table}", encoding="utf-8")
    _commit(project, "change the test table")


def test_plan_lists_a_test_stage_per_admitted_python(modern: Path) -> None:
    done = shipyard("plan", "--source", str(modern), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    tests = [stage["id"] for stage in json.loads(done.stdout)["stages"] if stage["group"] == "test"]
    assert tests == [f"test-{v}" for v in PYTHONS]


def test_the_default_tier_passes_on_both_pythons_with_the_extra(modern: Path) -> None:
    done = shipyard("run", "--source", str(modern), "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    stages = summary(modern)
    for stage_id in ("lint", *(f"test-{v}" for v in PYTHONS), "scan-history"):
        assert stages[stage_id]["status"] == "passed", stages[stage_id]
    for version in PYTHONS:
        out = modern / ".shipyard/out" / f"test-{version}"
        assert re.search(rf"Python {re.escape(version)}\.[0-9]+, pytest-", (out / "pytest.txt").read_text())
        log = (out / "log.txt").read_text()
        assert f"uv sync --locked --python python{version} --extra tests" in log
        counts = stages[f"test-{version}"]["counts"]
        assert isinstance(counts, dict)
        assert counts["passed"] == 11
        assert counts["failed"] == 0


def test_without_the_extra_pytest_is_missing(tmp_path: Path) -> None:
    """The extra is what brings pytest: dropping it from the config fails the leg (extras are real)."""
    project = git_copy("modern", tmp_path)
    _set_test_table(project, "coverage_floor = 90\n")
    done = shipyard("run", "test", "--source", str(project), "--python", "3.14", "--json")
    assert done.returncode != 0
    stage = summary(project)["test-3.14"]
    assert stage["status"] == "error", stage
    assert "No module named 'pytest'" in str(stage["summary"]), stage


def test_the_pip_installer_installs_the_extra_on_315(tmp_path: Path) -> None:
    """python3.15 -m venv and the venv's pip on the seeded stand-in, `-e .[tests]`."""
    project = git_copy("modern", tmp_path)
    _set_test_table(project, 'installer = "pip"\nextras = ["tests"]\ncoverage_floor = 90\n')
    done = shipyard("run", "test", "--source", str(project), "--python", "3.15", "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    assert summary(project)["test-3.15"]["status"] == "passed"
    log = (project / ".shipyard/out/test-3.15/log.txt").read_text()
    # the venv is made by the leg's setup, or was by an earlier run with the same key (reused)
    assert "python3.15 -m venv /venv" in log or "environment: reused (shipyard-env:" in log, log
    assert "/venv/bin/pip install --disable-pip-version-check -e .[tests]" in log, log
