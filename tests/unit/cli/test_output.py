"""What the CLI prints is usable as is: commands a shell takes back, CI log lines never wrapped at 80."""

from __future__ import annotations

import datetime as dt
import io
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.cli.debug_cmd import pasteable
from shipyard.cli.live import LiveView, PlainLines, output_console, summary_table
from shipyard.config.load import load_project
from shipyard.gitinfo import GitInfo
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.runner import RunState, StageRun
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import Command, ContainerStep

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

SHIPYARD = Path(sys.executable).parent / "shipyard"
EXAMPLES = Path(__file__).parents[3] / "examples"
TODAY = dt.date(2026, 11, 22)
GIT = GitInfo(sha=None, ref=None, committed=None, dirty=False, history="")
LONG = "4 violation(s): " + ", ".join(f"src/pkg/module_{i}.py:1 F401 unused import" for i in range(4))


def test_debug_prints_each_command_shell_quoted_so_it_pastes_back_into_a_shell() -> None:
    webapp = load_project(EXAMPLES / "webapp")
    context = PlanContext(git=GIT, today=TODAY, host_platform="linux/amd64")
    step = build_plan(webapp, context, names=("test-3.13",)).get("test-3.13").action
    assert isinstance(step, ContainerStep)
    lines = pasteable(step).splitlines()
    assert [shlex.split(line) for line in lines] == [list(c.argv) for c in step.commands]
    assert any("'not integration'" in line for line in lines)  # the pytest -m expression


def test_debug_quotes_spaces_quotes_and_shell_characters() -> None:
    step = ContainerStep(
        image="python:3.13-slim", commands=(Command(argv=("sh", "-c", "echo 'a b' > $OUT; ls *")),)
    )
    assert pasteable(step) == "  sh -c 'echo '\"'\"'a b'\"'\"' > $OUT; ls *'"


def _run(summary: str) -> StageRun:
    webapp = load_project(EXAMPLES / "webapp")
    context = PlanContext(git=GIT, today=TODAY, host_platform="linux/amd64")
    stage = build_plan(webapp, context, names=("lint",)).get("lint")
    return StageRun(
        stage=stage, digest="d", state="done", result=StageResult(status=Status.FAILED, summary=summary)
    )


def test_in_a_pipe_the_live_lines_and_the_table_keep_a_long_summary_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    out = io.StringIO()
    console = output_console(file=out)
    run = _run(LONG)
    view = LiveView(RunState(runs={"lint": run}), console)
    view.stage_finished(run)
    console.print(
        summary_table(
            {"stages": [{"id": "lint", "status": "failed", "seconds": 1.0, "cached": False, "summary": LONG}]}
        )
    )
    lines = out.getvalue().splitlines()
    assert len(LONG) > 80
    assert any(line.endswith(f"lint: failed in 0.0s: {LONG}") for line in lines), lines
    assert any(LONG in line for line in lines[1:]), lines


def test_an_explicit_columns_still_sets_the_width_of_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert output_console(file=io.StringIO()).width == 60


def test_the_cli_in_a_pipe_without_columns_never_wraps_the_final_table(
    copy_example: Callable[[str], Path],
) -> None:
    root = copy_example("library")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["DOCKER_HOST"] = (
        "unix:///nonexistent/shipyard-test.sock"  # fails fast: every stage gets the long error
    )
    proc = subprocess.run(
        [str(SHIPYARD), "run", "lint", "--source", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 4, proc.stderr
    error = proc.stderr.strip().removeprefix("shipyard: error: ")
    assert len(error) > 80
    row = next(line for line in proc.stdout.splitlines() if line.startswith("│ lint"))
    assert error in row, proc.stdout


def test_plan_in_a_pipe_without_columns_keeps_each_stage_on_one_row(
    copy_example: Callable[[str], Path],
) -> None:
    root = copy_example("library")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [str(SHIPYARD), "plan", "--source", str(root), "--tier", "extended"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("│ ")]
    history = next(line for line in rows if "scan-history" in line)
    assert "n/a: not in a git repository" in history or "run: " in history, history
    assert all(line.split("│")[2].strip() for line in rows), "a stage's row wrapped onto a second line"


def test_json_progress_is_plain_lines_markup_tags_dropped_and_nothing_else() -> None:
    out = io.StringIO()
    lines = PlainLines(out)
    run = _run(LONG + " [tool.ruff] :x: [/tmp/x]")
    view = LiveView(RunState(runs={"lint": run}), lines)
    with view:
        view.stage_finished(run)
    lines.print("[yellow]warning:[/] the summary was not sent: [Errno 111] refused")
    printed = out.getvalue().splitlines()
    assert printed[0].endswith(f"lint: failed in 0.0s: {LONG} [tool.ruff] :x: [/tmp/x]"), printed
    assert printed[0].startswith("[")  # the [HH:MM:SS] stamp: no tag
    assert printed[1] == "warning: the summary was not sent: [Errno 111] refused"
    assert not lines.is_terminal
