"""The bench stage: planned only when configured, exclusive, keyed by its baseline; its evaluate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shipyard.baselines import baseline_path, save_baselines
from shipyard.config.load import load_project
from shipyard.errors import ReportError
from shipyard.gitinfo import NO_GIT
from shipyard.plan.graph import all_stages, build_plan
from shipyard.runner import RunState, StageRun
from shipyard.session import plan_context
from shipyard.stages.bench import BENCH_ID, NOT_CONFIGURED, bench_stage
from shipyard.stages.install import setup_for
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import ContainerStep, Stage

EXAMPLES = Path(__file__).parents[3] / "examples"
TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
TABLE = "[tool.shipyard.bench]"


def library(tmp_path: Path, *, table: bool = True, baseline: str | None = None) -> Path:
    root = tmp_path / "library"
    shutil.copytree(EXAMPLES / "library", root, ignore=shutil.ignore_patterns(".shipyard", ".venv"))
    if not table:
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(text[: text.index(TABLE)], encoding="utf-8")  # the last table
    if baseline is not None:
        target = baseline_path(root, BENCH_ID)
        target.parent.mkdir(parents=True)
        shutil.copyfile(TOOLS / baseline, target)
    return root


def ran(code: int = 0, tail: str = "") -> CommandOutcome:
    return CommandOutcome(
        label="bench", argv=("/venv/bin/python", "-m", "pytest"), exit_code=code, output_tail=tail
    )


def judge(stage: Stage, tmp_path: Path, report: str | None, command: CommandOutcome) -> StageResult:
    out = tmp_path / "out"
    out.mkdir()
    if report is not None:
        shutil.copyfile(TOOLS / report, out / "bench.json")
    return stage.evaluate(StageOutcome(stage_id=BENCH_ID, out_dir=out, commands=(command,)))


def test_without_a_table_the_stage_is_na_with_the_reason_and_in_no_tier(tmp_path: Path) -> None:
    project = load_project(library(tmp_path, table=False))
    context = plan_context(project, NO_GIT)
    assert all_stages(project, context)[BENCH_ID].not_applicable == NOT_CONFIGURED
    for tier in ("essential", "extended", "full"):
        assert BENCH_ID not in build_plan(project, context, tier=tier).ids
    assert build_plan(project, context, names=("bench",)).ids == (BENCH_ID,)


def test_configured_it_joins_the_extended_and_full_tiers_only(tmp_path: Path) -> None:
    project = load_project(library(tmp_path))
    context = plan_context(project, NO_GIT)
    assert BENCH_ID not in build_plan(project, context, tier="essential").ids
    assert BENCH_ID in build_plan(project, context, tier="extended").ids
    assert BENCH_ID in build_plan(project, context, tier="full").ids
    assert BENCH_ID in build_plan(project, context, names=("bench",), pythons=("3.11",)).ids


def test_it_runs_alone_on_the_newest_python_installed_as_the_tests_are() -> None:
    project = load_project(EXAMPLES / "library")
    stage = bench_stage(project)
    assert stage.not_applicable is None
    assert stage.exclusive
    assert stage.cacheable  # by a key that holds its baseline (test_session)
    assert stage.baseline is not None
    assert stage.baseline.ref == "refs/heads/main"
    action = stage.action
    assert isinstance(action, ContainerStep)
    assert action.image == "python:3.13-slim"
    setup = setup_for(project, "3.13")
    assert action.commands[: len(setup.commands)] == setup.commands
    assert action.commands[-1].argv == (
        "/venv/bin/python",
        "-m",
        "pytest",
        "benchmarks",
        "--benchmark-only",
        "--benchmark-json=/out/bench.json",
        "--benchmark-min-rounds=20",
        "-p",
        "no:cacheprovider",
    )
    assert action.commands[-1].may_fail


def test_no_baseline_yet_is_a_pass_that_says_so(tmp_path: Path) -> None:
    stage = bench_stage(load_project(library(tmp_path)))
    result = judge(stage, tmp_path, "bench/baseline.json", ran())
    assert result.status is Status.PASSED
    assert result.summary.startswith("bench: passed: no baseline yet (2 benchmark(s) ran, nothing compared")
    assert result.counts == {"benchmarks": 2, "regressed": 0, "baseline": "none"}
    assert result.details[0] == "baseline: no baseline yet"
    assert [(b.name, b.verdict, len(b.rounds)) for b in result.benchmarks] == [
        ("test_parse", "new", 743),
        ("test_sort", "new", 96),
    ]


def test_the_baseline_the_plan_found_fails_a_regressed_run(tmp_path: Path) -> None:
    stage = bench_stage(load_project(library(tmp_path, baseline="bench/baseline.json")))
    result = judge(stage, tmp_path, "bench/regressed.json", ran())
    assert result.status is Status.FAILED
    assert result.summary == "bench: failed: test_parse +509% (median 34.1 µs vs 5.59 µs, p<0.001)"
    assert "test_sort: median 171 µs, baseline 163 µs, +5%, p<0.001: slower" in result.details
    assert result.counts == {"benchmarks": 2, "regressed": 1, "baseline": "file"}
    assert result.details[1] == "baseline: baseline file .shipyard/baselines/bench.json"


def test_a_corrupt_baseline_is_a_report_error_naming_it(tmp_path: Path) -> None:
    stage = bench_stage(load_project(library(tmp_path, baseline="malformed/bench-truncated.json")))
    with pytest.raises(ReportError, match=r"baselines/bench.json is not a pytest-benchmark JSON report"):
        judge(stage, tmp_path, "bench/unchanged.json", ran())


@pytest.mark.parametrize(
    ("code", "tail", "status", "says"),
    [
        (
            5,
            "no tests ran in 0.01s",
            Status.FAILED,
            "no benchmarks were collected (fix: put pytest-benchmark",
        ),
        (
            4,
            "pytest: error: unrecognized arguments: --benchmark-only --benchmark-json=/out/bench.json",
            Status.ERROR,
            "pytest-benchmark is not installed in the project's environment (fix: add pytest-benchmark",
        ),
    ],
)
def test_no_report_says_why(tmp_path: Path, code: int, tail: str, status: Status, says: str) -> None:
    result = judge(bench_stage(load_project(library(tmp_path))), tmp_path, None, ran(code, tail))
    assert result.status is status
    assert says in result.summary


def test_a_benchmark_failing_its_own_assertion_fails_the_stage(tmp_path: Path) -> None:
    tail = "FAILED benchmarks/test_bench.py::test_sort - assert 1 == 2\n1 failed, 1 passed in 2.1s"
    result = judge(
        bench_stage(load_project(library(tmp_path))), tmp_path, "bench/baseline.json", ran(1, tail)
    )
    assert result.status is Status.FAILED
    assert result.summary.startswith("bench: failed: the benchmarks failed their own checks (exit 1: ")


def _state(stage: Stage, out_root: Path, status: Status, *, cached: bool = False) -> RunState:
    (out_root / stage.id).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TOOLS / "bench/baseline.json", out_root / stage.id / "bench.json")
    run = StageRun(stage=stage, digest="d", result=StageResult(status=status, summary="s"), cached=cached)
    return RunState(runs={stage.id: run})


@pytest.mark.parametrize(
    ("ref", "status", "cached", "kept"),
    [
        ("refs/heads/main", Status.PASSED, False, True),
        ("refs/heads/feature", Status.PASSED, False, False),
        (None, Status.PASSED, False, False),
        ("refs/heads/main", Status.FAILED, False, False),
        ("refs/heads/main", Status.PASSED, True, False),
    ],
)
def test_only_a_green_run_on_the_baseline_branch_records_the_baseline(
    tmp_path: Path, *, ref: str | None, status: Status, cached: bool, kept: bool
) -> None:
    root = library(tmp_path)
    stage = bench_stage(load_project(root))
    saved = save_baselines(
        _state(stage, tmp_path / "out", status, cached=cached), root=root, out_root=tmp_path / "out", ref=ref
    )
    target = baseline_path(root, BENCH_ID)
    assert saved == ([target] if kept else [])
    assert target.is_file() is kept
    if kept:
        assert target.read_bytes() == (TOOLS / "bench/baseline.json").read_bytes()


def test_budgets_reach_every_stage_of_their_group(tmp_path: Path) -> None:
    root = library(tmp_path)
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text + '\n[tool.shipyard.budgets]\ntest = "2m"\nbench = "90s"\n', encoding="utf-8")
    project = load_project(root)
    stages = all_stages(project, plan_context(project, NO_GIT))
    assert {s.budget for s in stages.values() if s.group == "test"} == {120.0}
    assert stages[BENCH_ID].budget == 90.0
    assert stages["lint"].budget is None
