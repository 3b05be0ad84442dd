"""`shipyard init`, then `shipyard run`, on an example without its [tool.shipyard] table: green, no edit."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from shipyard.init.pyproject_edit import without_table
from tests.engine.helpers import EXAMPLES, git_init, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

EXAMPLE = "modern"
"""The smallest example that needs a key (its pytest comes only with the `tests` extra): two test legs."""


def _without_table(example: str, tmp_path: Path) -> Path:
    """A git checkout of the example whose pyproject.toml has no [tool.shipyard] table."""
    project = tmp_path / example
    shutil.copytree(
        EXAMPLES / example, project, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".shipyard")
    )
    pyproject = project / "pyproject.toml"
    pyproject.write_text(without_table(pyproject.read_text(encoding="utf-8")), encoding="utf-8")
    return git_init(project)


def test_init_then_the_default_tier_passes_with_no_hand_edit(tmp_path: Path) -> None:
    project = _without_table(EXAMPLE, tmp_path)

    done = shipyard("init", "--source", str(project))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test.extras = ('tests',)" in done.stdout

    run = shipyard("run", "--source", str(project))
    assert run.returncode == 0, run.stdout + run.stderr
    stages = summary(project)
    assert {stages[leg]["status"] for leg in ("lint", "test-3.14", "test-3.15")} == {"passed"}


def test_init_gives_the_tests_their_database_and_one_leg_passes_against_it(tmp_path: Path) -> None:
    project = _without_table("services", tmp_path)

    done = shipyard("init", "--source", str(project))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test.services = ('db',)" in done.stdout

    run = shipyard("run", "test", "--python", "3.12", "--source", str(project))
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert summary(project)["test-3.12"]["status"] == "passed"
