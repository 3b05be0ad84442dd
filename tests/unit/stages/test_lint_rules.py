"""Which rules lint holds a project to: its own ruff configuration, else ruff's errors-only set.

rich (no ruff configuration: black, isort and flake8's habits) got `lint failed: 1517 violation(s)`
from ruff's defaults and 54 markdown files "to reformat": ruff's style, judged on a project that
never chose it. Without a ruff table, file or pin, lint runs the rules that find errors (syntax,
statements Python refuses) and leaves the format alone, and its summary says so and how to opt in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.stages.lint import ERRORS_ONLY, NOT_CHOSEN, lint_stage
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import Status
from shipyard.stages.spec import ContainerStep

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PROJECT = '[project]\nname = "demo"\nversion = "1.0"\nrequires-python = ">=3.12"\n'
PRE_COMMIT = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.15.16
    hooks:
      - id: ruff
"""


def labels_and_check(root: Path) -> tuple[list[str], tuple[str, ...]]:
    action = lint_stage(load_project(root)).action
    assert isinstance(action, ContainerStep)
    check = next(c.argv for c in action.commands if c.label == "ruff-check")
    return [c.label for c in action.commands], check


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"pyproject.toml": f"{PROJECT}[tool.ruff]\nline-length = 100\n"}, id="tool-ruff"),
        pytest.param({"pyproject.toml": f"{PROJECT}[tool.ruff.lint]\nselect = ['E']\n"}, id="tool-ruff-lint"),
        pytest.param({"pyproject.toml": PROJECT, "ruff.toml": "line-length = 100\n"}, id="ruff-toml"),
        pytest.param({"pyproject.toml": PROJECT, ".ruff.toml": "line-length = 100\n"}, id="dot-ruff-toml"),
        pytest.param({"pyproject.toml": PROJECT, ".pre-commit-config.yaml": PRE_COMMIT}, id="pre-commit-pin"),
        pytest.param(
            {"pyproject.toml": f"{PROJECT}[tool.shipyard.lint]\nruff = true\n"}, id="shipyard-lint-ruff-set"
        ),
    ],
)
def test_a_project_that_chose_ruff_is_linted_by_its_rules_and_its_format_checked(
    write_project: Callable[[dict[str, str]], Path], files: dict[str, str]
) -> None:
    labels, check = labels_and_check(write_project(files))
    assert labels == ["ruff-check", "ruff-format"]
    assert not [arg for arg in check if arg.startswith("--select")]


def test_a_project_without_ruff_configuration_gets_the_errors_only_rules_and_no_format_check(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": f"{PROJECT}[tool.black]\nline-length = 100\n"})
    labels, check = labels_and_check(root)
    assert labels == ["ruff-check"]
    assert f"--select={','.join(ERRORS_ONLY)}" in check
    assert lint_stage(load_project(root)).params["ruff_rules"] == "E9,F63,F7"


def test_its_verdict_says_which_rules_ran_and_how_to_opt_in(
    write_project: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    stage = lint_stage(load_project(write_project({"pyproject.toml": PROJECT})))
    out = tmp_path / "out"
    out.mkdir()
    (out / "ruff.json").write_text("[]\n", encoding="utf-8")  # `ruff check --output-format=json`, clean
    ran = CommandOutcome(label="ruff-check", argv=("ruff", "check"), exit_code=0, output_tail="")
    result = stage.evaluate(StageOutcome(stage_id="lint", out_dir=out, commands=(ran,)))
    assert result.status is Status.PASSED
    assert result.summary.startswith("lint passed: no ruff violations (ruff ")
    assert result.summary.endswith(NOT_CHOSEN)
    assert "formatting" not in result.summary.split(";")[0]
