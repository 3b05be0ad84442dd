"""The lint and test stages' evaluate functions on recorded real tool output, under the stages' file names."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from shipyard.config.load import load_project
from shipyard.stages.lint import lint_stage
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import StageResult, Status
from shipyard.stages.test import test_stage as make_test_stage

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
WEBAPP = load_project(Path(__file__).parents[3] / "examples" / "webapp")  # coverage_floor = 80
LINT = lint_stage(WEBAPP)
TEST = make_test_stage(WEBAPP, "3.12")

# uv 0.13.9, `uv sync --locked` after pyproject.toml changed under its lock (recorded in a tmp project)
UV_STALE_LOCK = """\
Using CPython 3.11.7 interpreter at: /root/.pyenv/versions/3.11.7/bin/python3
Creating virtual environment at: .venv
Resolved 1 package in 6ms
error: The lockfile at `uv.lock` needs to be updated, but `--locked` was provided.

hint: To update the lockfile, run `uv lock`.
"""


def ran(label: str, code: int = 0, tail: str = "") -> CommandOutcome:
    return CommandOutcome(
        label=label, argv=(f"/usr/local/bin/{label}", "--flag"), exit_code=code, output_tail=tail
    )


def outcome(tmp_path: Path, reports: dict[str, str], *commands: CommandOutcome) -> StageOutcome:
    """An out_dir holding fixture files under the names the stage promises (`reports`: name → fixture)."""
    for name, fixture in reports.items():
        shutil.copyfile(TOOLS / fixture, tmp_path / name)
    return StageOutcome(stage_id="s", out_dir=tmp_path, commands=commands)


def lint(tmp_path: Path, reports: dict[str, str], *commands: CommandOutcome) -> StageResult:
    return LINT.evaluate(outcome(tmp_path, reports, *commands))


def test_the_stages_promise_the_files_their_evaluate_reads() -> None:
    assert LINT.outputs == ("ruff.json", "ruff-format.txt")
    assert TEST.outputs == ("junit.xml", "coverage.json")


CLEAN = {"ruff.json": "ruff/check-clean.json", "ruff-format.txt": "ruff/format-check-clean.txt"}


def test_lint_passes_on_clean_reports(tmp_path: Path) -> None:
    result = lint(tmp_path, CLEAN, ran("ruff-check"), ran("ruff-format"))
    assert result.status is Status.PASSED
    assert result.counts == {"violations": 0, "unformatted": 0}


def test_lint_fails_on_violations(tmp_path: Path) -> None:
    reports = {**CLEAN, "ruff.json": "ruff/check-violations.json"}
    result = lint(tmp_path, reports, ran("ruff-check", 1), ran("ruff-format"))
    assert result.status is Status.FAILED
    assert result.counts["violations"] == 8
    assert result.summary.startswith("lint failed: 8 violation(s)")


def test_lint_fails_on_formatting_alone(tmp_path: Path) -> None:
    reports = {**CLEAN, "ruff-format.txt": "ruff/format-check-full.txt"}
    result = lint(tmp_path, reports, ran("ruff-check"), ran("ruff-format", 1))
    assert result.status is Status.FAILED
    assert result.counts == {"violations": 0, "unformatted": 1}
    assert result.summary == "lint failed: 1 file(s) to reformat (ruff 0.16.5, shipyard's default)"


def test_lint_without_its_report_is_an_error_naming_the_file(tmp_path: Path) -> None:
    tail = "ruff failed\n  Cause: Failed to parse pyproject.toml"
    result = lint(tmp_path, {}, ran("ruff-check", 2, tail), ran("ruff-format", 2))
    assert result.status is Status.ERROR
    assert result.summary == "ruff-check wrote no ruff.json (exit 2: Cause: Failed to parse pyproject.toml)"


def test_a_failing_type_check_fails_lint(tmp_path: Path) -> None:
    tail = "app.py:3: error: Incompatible types\nFound 1 error in 1 file"
    result = lint(
        tmp_path, CLEAN, ran("ruff-check"), ran("ruff-format"), ran("install"), ran("typecheck", 1, tail)
    )
    assert result.status is Status.FAILED
    assert result.summary.endswith("type check failed: Found 1 error in 1 file")
    assert result.counts["typecheck_exit"] == 1


def test_lint_carries_ruffs_findings_in_its_verdict_also_when_the_type_check_fails(tmp_path: Path) -> None:
    reports = {**CLEAN, "ruff.json": "ruff/check-violations.json"}
    result = lint(tmp_path, reports, ran("ruff-check", 1), ran("ruff-format"), ran("typecheck", 1, "1 error"))
    assert result.status is Status.FAILED
    assert len(result.findings) == 8
    assert {f.tool for f in result.findings} == {"ruff"}
    assert all(f.path and f.line for f in result.findings)
    assert result.suppressed == ()


def test_clean_lint_carries_no_findings(tmp_path: Path) -> None:
    assert lint(tmp_path, CLEAN, ran("ruff-check"), ran("ruff-format")).findings == ()


def judge_test(tmp_path: Path, reports: dict[str, str], *commands: CommandOutcome) -> StageResult:
    return TEST.evaluate(outcome(tmp_path, reports, *commands))


SETUP = (ran("install"), ran("install-coverage"))


@pytest.mark.parametrize(
    ("floor", "junit", "status", "reason"),
    [
        (0, "pytest/junit-passing.xml", Status.PASSED, None),
        (60, "pytest/junit-passing.xml", Status.PASSED, None),
        (80, "pytest/junit-passing.xml", Status.FAILED, "coverage 60.00% is below the coverage floor 80%"),
        (0, "pytest/junit-failing.xml", Status.FAILED, "1 failed, 0 errored of 3 test(s)"),
        (0, "pytest/junit-erroring.xml", Status.FAILED, "0 failed, 1 errored"),
        (0, "pytest/junit-empty.xml", Status.FAILED, "no tests were collected"),
    ],
)
def test_test_verdicts(tmp_path: Path, floor: float, junit: str, status: Status, reason: str | None) -> None:
    stage = make_test_stage(
        dataclasses.replace(
            WEBAPP,
            config=WEBAPP.config.model_copy(
                update={"test": WEBAPP.config.test.model_copy(update={"coverage_floor": float(floor)})}
            ),
        ),
        "3.12",
    )
    reports = {"junit.xml": junit, "coverage.json": "coverage/coverage.json"}
    result = stage.evaluate(
        outcome(tmp_path, reports, *SETUP, ran("pytest", 0 if status.ok else 1), ran("coverage"))
    )
    assert result.status is status, result
    assert result.counts["coverage"] == 60.0
    if reason is not None:
        assert any(reason in d for d in result.details), result.details


def test_the_floor_applies_when_no_coverage_report_was_written(tmp_path: Path) -> None:
    result = judge_test(
        tmp_path, {"junit.xml": "pytest/junit-passing.xml"}, *SETUP, ran("pytest"), ran("coverage", 1)
    )
    assert result.status is Status.FAILED
    assert "no coverage report was produced" in result.details[0]


def test_a_stale_lock_is_an_error_that_names_uv_lock(tmp_path: Path) -> None:
    result = judge_test(tmp_path, {}, ran("install", 1, UV_STALE_LOCK))
    assert result.status is Status.ERROR
    assert "uv.lock is out of date" in result.summary
    assert "`uv lock`" in result.summary


@pytest.mark.parametrize(
    ("commands", "expected"),
    [
        (
            (CommandOutcome("venv", ("python3.13", "-m", "venv", "/venv"), 127, "exec: not found"),),
            "command not found: python3.13",
        ),
        (
            (ran("install", 1, "ERROR: No matching distribution found for nope==9"),),
            "install failed with exit 1: No matching distribution found for nope==9",
        ),
        (
            (*SETUP, ran("pytest", 127, "exec: /venv/bin/tox: not found")),
            "command not found: /usr/local/bin/pytest",
        ),
    ],
)
def test_a_test_leg_that_could_not_run_is_an_error(
    tmp_path: Path, commands: tuple[CommandOutcome, ...], expected: str
) -> None:
    result = judge_test(tmp_path, {}, *commands)
    assert result.status is Status.ERROR
    assert result.summary == expected


def test_an_executor_error_is_the_stage_error(tmp_path: Path) -> None:
    result = TEST.evaluate(
        StageOutcome(stage_id="test-3.12", out_dir=tmp_path, error="image python:3.12-slim not found")
    )
    assert (result.status, result.summary) == (Status.ERROR, "image python:3.12-slim not found")
