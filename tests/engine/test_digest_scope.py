"""A stage's digest holds only what that stage reads: a lint-table edit re-runs lint, not the tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine


def test_a_lint_only_config_edit_re_runs_lint_while_the_test_stage_is_a_cache_hit(tmp_path: Path) -> None:
    library = git_copy("library", tmp_path)
    first = shipyard("run", "lint", "test", "--python", "3.12", "--source", str(library), "--json")
    assert first.returncode == 0, first.stderr[-2000:]
    assert {sid: stage["cached"] for sid, stage in summary(library).items()} == {
        "lint": False,
        "test-3.12": False,
    }

    pyproject = library / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.shipyard.lint]\npaths = ["src", "tests"]\n')
    again = shipyard("run", "lint", "test", "--python", "3.12", "--source", str(library), "--json")
    assert again.returncode == 0, again.stderr[-2000:]
    stages = summary(library)
    assert stages["lint"]["cached"] is False, "the lint settings changed: lint must run again"
    assert stages["lint"]["status"] == "passed", stages["lint"]
    assert stages["test-3.12"]["cached"] is True, (
        "only [tool.shipyard.lint] changed: the tests are a cache hit"
    )
    assert stages["test-3.12"]["status"] == "passed", stages["test-3.12"]
