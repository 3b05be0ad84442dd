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
    """A git checkout of the example whose pyproject.toml files have no [tool.shipyard] table."""
    project = tmp_path / example
    shutil.copytree(
        EXAMPLES / example, project, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".shipyard")
    )
    for pyproject in project.rglob("pyproject.toml"):  # a workspace's members have tables too
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


SHAPES = {
    "library": ("test-3.13",),
    "scm-version": ("test-3.13",),
    "webapp": ("test-3.13",),
    "broken": ("test-3.12",),
    "workspace": ("test-ledger-api-3.15", "test-ledger-core-3.15"),
}
"""The other examples, each without its tables: one Python's legs (the matrix runs elsewhere; init's
tables give the same test commands as the hand-written ones on every leg: tests/unit/init)."""


@pytest.mark.parametrize("example", sorted(SHAPES))
def test_init_then_lint_and_a_test_leg_pass_on_every_other_example(example: str, tmp_path: Path) -> None:
    project = _without_table(example, tmp_path)

    done = shipyard("init", "--source", str(project), "--no-workflow")
    assert done.returncode == 0, done.stdout + done.stderr

    legs = SHAPES[example]
    python = legs[0].rsplit("-", 1)[-1]
    run = shipyard("run", "lint", "test", "--python", python, "--source", str(project))
    stages = summary(project)
    assert run.returncode == 0, ({k: v["summary"] for k, v in stages.items()}, run.stderr[-3000:])
    assert all(stages[leg]["status"] == "passed" for leg in legs), stages
