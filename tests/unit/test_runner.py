"""run_plan with a fake Executor: the Executor protocol is our own seam; everything else is real."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import pytest

from shipyard.config.load import load_project
from shipyard.errors import EngineError
from shipyard.executor import ABSENT
from shipyard.gitinfo import NO_GIT
from shipyard.plan.cache import StageCache
from shipyard.plan.graph import Plan, PlanContext, build_plan
from shipyard.runner import NoEvents, RunOptions, RunState, StageRun, run_plan
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import CacheVolume, Command, ContainerStep, SourceFilter, Stage, VolumeFile
from shipyard.stages.test import EvaluateTest
from shipyard.stages.verdicts import broken_run

if TYPE_CHECKING:
    from shipyard.executor import StepContext

TOOLS = Path(__file__).parents[1] / "fixtures" / "tools"
EXAMPLES = Path(__file__).parents[2] / "examples"


def verdict_file(outcome: StageOutcome) -> StageResult:
    """A tiny evaluate: the stage passes when its report says so (a broken run is an ERROR)."""
    broken = broken_run(outcome)
    if broken:
        return broken
    text = (outcome.out_dir / "verdict.txt").read_text(encoding="utf-8")
    status = Status.PASSED if text == "ok" else Status.FAILED
    return StageResult(status=status, summary=f"verdict {text}", artifacts=("verdict.txt",))


def stage(stage_id: str, *needs: str, not_applicable: str | None = None) -> Stage:
    return Stage(
        id=stage_id,
        group=stage_id.split("-", maxsplit=1)[0],
        description=stage_id,
        needs=needs,
        inputs=SourceFilter(include=("*.py",)),
        action=ContainerStep(image="python:3.13-slim", commands=(Command(argv=("true",), label="run"),)),
        evaluate=verdict_file,
        outputs=("verdict.txt",),
        not_applicable=not_applicable,
    )


@dataclass
class FakeExecutor:
    """Writes the configured report files into the stage's out_dir and reports an exit code."""

    reports: dict[str, dict[str, bytes]] = field(default_factory=dict[str, dict[str, bytes]])
    """Stage id → report files to write (default: verdict.txt = ok)."""
    raises: dict[str, Exception] = field(default_factory=dict[str, Exception])
    delay: float = 0.05
    name: str = "fake"
    calls: list[str] = field(default_factory=list[str])
    contexts: dict[str, StepContext] = field(default_factory=dict[str, "StepContext"])
    events: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])
    running: int = 0
    peak: int = 0
    restored: list[str] = field(default_factory=list[str])
    cannot_restore: frozenset[str] = frozenset()
    state: dict[str, str] = field(default_factory=dict[str, str])
    """What the engine holds of observed files, by path (missing: absent)."""
    cannot_observe: bool = False

    async def run(self, stage: Stage, context: StepContext) -> StageOutcome:
        self.calls.append(stage.id)
        self.contexts[stage.id] = context
        assert context.out_dir.is_dir()
        assert not any(context.out_dir.iterdir()), "out_dir must be empty when a step starts"
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.events.append(("start", stage.id))
        try:
            await anyio.sleep(self.delay)
            if stage.id in self.raises:
                raise self.raises[stage.id]
            for name, data in self.reports.get(stage.id, {"verdict.txt": b"ok"}).items():
                (context.out_dir / name).write_bytes(data)
            context.log(f"{stage.id} done")
            return StageOutcome(
                stage_id=stage.id,
                out_dir=context.out_dir,
                commands=(CommandOutcome(label="run", argv=("true",), exit_code=0),),
            )
        finally:
            self.running -= 1
            self.events.append(("finish", stage.id))

    async def restore(self, stage: Stage, out_dir: Path) -> None:
        del out_dir
        self.restored.append(stage.id)
        if stage.id in self.cannot_restore:
            raise EngineError(f"{stage.id}: the cached image is gone", fix="run it again")

    async def close(self) -> None:
        return None

    async def observe(self, files: tuple[VolumeFile, ...]) -> tuple[str, ...]:
        if self.cannot_observe:
            raise EngineError("the engine is gone", fix="start it")
        return tuple(self.state.get(f.path, ABSENT) for f in files)


@dataclass
class RecordingEvents(NoEvents):
    started: list[str] = field(default_factory=list[str])
    finished: list[str] = field(default_factory=list[str])
    logs: list[str] = field(default_factory=list[str])

    def stage_started(self, run: StageRun) -> None:
        self.started.append(run.stage.id)

    def stage_finished(self, run: StageRun) -> None:
        self.finished.append(run.stage.id)

    def stage_log(self, run: StageRun, line: str) -> None:
        self.logs.append(f"{run.stage.id}: {line}")


def run(
    plan: Plan,
    executor: FakeExecutor,
    tmp_path: Path,
    *,
    jobs: int = 2,
    use_cache: bool = True,
    events: RecordingEvents | None = None,
    digests: dict[str, str] | None = None,
) -> RunState:
    (tmp_path / "project").mkdir(exist_ok=True)
    return anyio.run(
        functools.partial(
            run_plan,
            plan,
            root=tmp_path / "project",
            files=["a.py", "b.txt"],
            digests=digests or {s.id: f"digest-of-{s.id}" for s in plan.stages},
            executor=executor,
            cache=StageCache(tmp_path / "cache"),
            out_root=tmp_path / "out",
            options=RunOptions(jobs=jobs, use_cache=use_cache),
            events=events or RecordingEvents(),
        )
    )


def statuses(state: RunState) -> dict[str, str]:
    return {sid: r.result.status.value if r.result else "none" for sid, r in state.runs.items()}


@pytest.mark.parametrize(("jobs", "peak"), [(1, 1), (2, 2), (4, 3)])
def test_independent_stages_run_at_once_up_to_jobs(tmp_path: Path, jobs: int, peak: int) -> None:
    executor = FakeExecutor()
    state = run(Plan(stages=(stage("a"), stage("b"), stage("c"))), executor, tmp_path, jobs=jobs)
    assert executor.peak == peak
    assert state.ok
    assert statuses(state) == {"a": "passed", "b": "passed", "c": "passed"}


def test_a_stage_starts_only_after_what_it_needs_finished(tmp_path: Path) -> None:
    executor = FakeExecutor()
    plan = Plan(stages=(stage("build"), stage("lint"), stage("sbom", "build"), stage("scan", "build")))
    run(plan, executor, tmp_path, jobs=4)
    events = executor.events
    assert events.index(("finish", "build")) < events.index(("start", "sbom"))
    assert events.index(("finish", "build")) < events.index(("start", "scan"))
    assert events.index(("start", "lint")) < events.index(("finish", "build"))
    assert executor.contexts["sbom"].upstream == {"build": tmp_path / "out" / "build"}
    assert executor.contexts["lint"].files == ("a.py",)


def test_a_failed_stage_skips_only_its_dependents(tmp_path: Path) -> None:
    executor = FakeExecutor(reports={"build": {"verdict.txt": b"bad"}})
    plan = Plan(
        stages=(stage("build"), stage("lint"), stage("sbom", "build"), stage("publish", "sbom", "lint"))
    )
    state = run(plan, executor, tmp_path)
    assert statuses(state) == {"build": "failed", "lint": "passed", "sbom": "skipped", "publish": "skipped"}
    sbom = state.runs["sbom"].result
    assert sbom is not None
    assert sbom.summary == "needs build, which did not pass"
    assert executor.calls.count("sbom") == 0
    assert not state.ok


def test_not_applicable_stages_do_not_run_and_do_not_block(tmp_path: Path) -> None:
    executor = FakeExecutor()
    plan = Plan(stages=(stage("compose", not_applicable="no compose.yaml"), stage("publish", "compose")))
    state = run(plan, executor, tmp_path)
    assert statuses(state) == {"compose": "n/a", "publish": "passed"}
    compose = state.runs["compose"].result
    assert compose is not None
    assert compose.summary == "no compose.yaml"
    assert executor.calls == ["publish"]
    assert state.ok


def test_a_second_run_with_the_same_digests_is_all_cache_hits(tmp_path: Path) -> None:
    plan = Plan(stages=(stage("a"), stage("b", "a")))
    first = FakeExecutor()
    run(plan, first, tmp_path)
    shutil.rmtree(tmp_path / "out")
    second = FakeExecutor()
    events = RecordingEvents()
    state = run(plan, second, tmp_path, events=events)
    assert second.calls == []
    assert events.started == []
    assert sorted(events.finished) == ["a", "b"]
    assert all(r.cached for r in state.runs.values())
    assert statuses(state) == {"a": "passed", "b": "passed"}
    assert (tmp_path / "out" / "b" / "verdict.txt").read_text(encoding="utf-8") == "ok"


def test_a_cache_hit_the_executor_cannot_restore_runs_again(tmp_path: Path) -> None:
    plan = Plan(stages=(stage("a"), stage("b", "a")))
    run(plan, FakeExecutor(), tmp_path)
    second = FakeExecutor(cannot_restore=frozenset({"a"}))
    state = run(plan, second, tmp_path)
    assert second.calls == ["a"]
    assert second.restored == ["a", "b"]
    assert not state.runs["a"].cached
    assert state.runs["b"].cached
    assert statuses(state) == {"a": "passed", "b": "passed"}


def test_a_changed_digest_or_no_cache_runs_again(tmp_path: Path) -> None:
    plan = Plan(stages=(stage("a"), stage("b")))
    run(plan, FakeExecutor(), tmp_path)
    changed = FakeExecutor()
    run(plan, changed, tmp_path, digests={"a": "digest-of-a", "b": "new"})
    assert changed.calls == ["b"]
    uncached = FakeExecutor()
    run(plan, uncached, tmp_path, use_cache=False)
    assert sorted(uncached.calls) == ["a", "b"]


DB = VolumeFile(
    cache=CacheVolume(name="scanner-cache", path="/cache"), path="db/meta.json", image="scanner:1"
)


def skipped_for_want_of_a_db(outcome: StageOutcome) -> StageResult:
    """A scan-like verdict: the part that ran passed, the DB part was skipped (reusable)."""
    del outcome
    return StageResult(status=Status.SKIPPED, summary="vuln: skipped: no DB; ran secret", reusable=True)


def observing(stage_id: str) -> Stage:
    return dataclasses.replace(stage(stage_id), observes=(DB,), evaluate=skipped_for_want_of_a_db)


def test_a_skip_for_want_of_a_db_is_reused_while_the_db_is_the_same_and_stays_visible(
    tmp_path: Path,
) -> None:
    plan = Plan(stages=(observing("scan"),))
    run(plan, FakeExecutor(), tmp_path)
    again = FakeExecutor()
    state = run(plan, again, tmp_path)
    assert again.calls == []
    assert state.runs["scan"].cached
    assert statuses(state) == {"scan": "skipped"}  # visible, and no pass: the run is not green
    db_appeared = FakeExecutor(state={"db/meta.json": "sha256:1"})
    run(plan, db_appeared, tmp_path)
    assert db_appeared.calls == ["scan"]  # the DB's digest is part of the key
    updated = FakeExecutor(state={"db/meta.json": "sha256:2"})
    run(plan, updated, tmp_path)
    assert updated.calls == ["scan"]


def test_an_unobservable_state_runs_the_stage_and_keeps_nothing(tmp_path: Path) -> None:
    plan = Plan(stages=(observing("scan"),))
    blind = FakeExecutor(cannot_observe=True)
    run(plan, blind, tmp_path)
    assert blind.calls == ["scan"]
    assert not (tmp_path / "cache" / "scan").exists()


def test_a_reusable_skip_of_a_stage_that_observes_nothing_is_never_cached(tmp_path: Path) -> None:
    plan = Plan(stages=(dataclasses.replace(stage("scan"), evaluate=skipped_for_want_of_a_db),))
    run(plan, FakeExecutor(), tmp_path)
    again = FakeExecutor()
    run(plan, again, tmp_path)
    assert again.calls == ["scan"]


def test_failures_are_never_cached(tmp_path: Path) -> None:
    plan = Plan(stages=(stage("a"),))
    run(plan, FakeExecutor(reports={"a": {"verdict.txt": b"bad"}}), tmp_path)
    again = FakeExecutor()
    state = run(plan, again, tmp_path)
    assert again.calls == ["a"]
    assert statuses(state) == {"a": "passed"}


def test_an_engine_error_is_a_stage_error_with_its_message(tmp_path: Path) -> None:
    error = EngineError("the Docker daemon went away", fix="start dockerd")
    executor = FakeExecutor(raises={"a": error})
    state = run(Plan(stages=(stage("a"), stage("b", "a"), stage("c"))), executor, tmp_path)
    assert statuses(state) == {"a": "error", "b": "skipped", "c": "passed"}
    a = state.runs["a"].result
    assert a is not None
    assert a.summary == "the Docker daemon went away (fix: start dockerd)"
    again = FakeExecutor()
    run(Plan(stages=(stage("a"),)), again, tmp_path)
    assert again.calls == ["a"], "an errored stage is not cached"


def test_a_report_error_in_evaluate_is_a_stage_error(tmp_path: Path) -> None:
    test_stage = dataclasses.replace(stage("test-3.12"), evaluate=EvaluateTest(), outputs=("junit.xml",))
    truncated = (TOOLS / "malformed" / "junit-truncated.xml").read_bytes()
    executor = FakeExecutor(reports={"test-3.12": {"junit.xml": truncated}})
    state = run(Plan(stages=(test_stage,)), executor, tmp_path)
    result = state.runs["test-3.12"].result
    assert result is not None
    assert result.status is Status.ERROR
    assert "junit.xml" in result.summary


def test_events_report_every_start_finish_and_log_line(tmp_path: Path) -> None:
    events = RecordingEvents()
    plan = Plan(stages=(stage("a"), stage("b", "a"), stage("c", not_applicable="nothing to do")))
    state = run(plan, FakeExecutor(), tmp_path, events=events)
    assert sorted(events.started) == ["a", "b"]
    assert sorted(events.finished) == ["a", "b", "c"]
    assert sorted(events.logs) == ["a: a done", "b: b done"]
    assert all(r.state == "done" for r in state.runs.values())
    assert state.finished is not None


def _alone(events: list[tuple[str, str]], stage_id: str) -> bool:
    """Whether `stage_id` started with nothing running and nothing started before it finished."""
    start, finish = events.index(("start", stage_id)), events.index(("finish", stage_id))
    before = events[:start]
    running = {s for kind, s in before if kind == "start"} - {s for kind, s in before if kind == "finish"}
    return not running and finish == start + 1


def test_an_exclusive_stage_runs_alone_and_the_others_still_run_at_once(tmp_path: Path) -> None:
    executor = FakeExecutor()
    bench = dataclasses.replace(stage("bench"), exclusive=True)
    plan = Plan(stages=(stage("a"), stage("b"), bench, stage("c"), stage("d"), stage("e")))
    state = run(plan, executor, tmp_path, jobs=4)
    assert state.ok
    assert _alone(executor.events, "bench"), executor.events
    assert executor.peak == 4  # the five others still ran four at once


def test_without_the_flag_the_same_stage_runs_beside_others(tmp_path: Path) -> None:
    executor = FakeExecutor()
    plan = Plan(stages=(stage("a"), stage("b"), stage("bench"), stage("c")))
    run(plan, executor, tmp_path, jobs=4)
    assert not _alone(executor.events, "bench"), executor.events


def test_two_exclusive_stages_take_turns(tmp_path: Path) -> None:
    executor = FakeExecutor()
    first, second = (dataclasses.replace(stage(s), exclusive=True) for s in ("bench", "bench-b"))
    state = run(Plan(stages=(first, stage("a"), second, stage("b"))), executor, tmp_path, jobs=3)
    assert state.ok
    assert _alone(executor.events, "bench")
    assert _alone(executor.events, "bench-b")


def test_a_green_stage_over_its_budget_fails_naming_its_time_and_the_budget(tmp_path: Path) -> None:
    over = dataclasses.replace(stage("test-3.12"), budget=0.01)
    within = dataclasses.replace(stage("lint"), budget=60.0)
    state = run(Plan(stages=(over, within)), FakeExecutor(delay=0.05), tmp_path)
    assert statuses(state) == {"test-3.12": "failed", "lint": "passed"}
    result = state.runs["test-3.12"].result
    assert result is not None
    assert result.summary.startswith("ran 0.")
    assert ", over the test budget of 0.01s (verdict ok)" in result.summary
    assert result.details[0].endswith("speed it up or raise [tool.shipyard.budgets] test")


def test_a_cache_hit_never_counts_against_the_budget(tmp_path: Path) -> None:
    run(Plan(stages=(stage("a"),)), FakeExecutor(), tmp_path)
    tight = dataclasses.replace(stage("a"), budget=0.000_001)
    state = run(Plan(stages=(tight,)), FakeExecutor(), tmp_path)
    assert state.runs["a"].cached
    assert statuses(state) == {"a": "passed"}


def test_a_failed_stage_over_its_budget_keeps_its_own_verdict(tmp_path: Path) -> None:
    slow = dataclasses.replace(stage("a"), budget=0.01)
    state = run(Plan(stages=(slow,)), FakeExecutor(reports={"a": {"verdict.txt": b"bad"}}), tmp_path)
    result = state.runs["a"].result
    assert result is not None
    assert result.summary == "verdict bad"


def test_a_real_plan_with_real_reports(tmp_path: Path) -> None:
    """The webapp's essential tier, the fake executor writing recorded real tool output."""
    project = load_project(EXAMPLES / "webapp")
    context = PlanContext(git=NO_GIT, today=dt.date(2026, 11, 22), host_platform="linux/amd64")
    plan = build_plan(project, context, tier="essential")
    lint_reports = {
        "ruff.json": (TOOLS / "ruff" / "check-clean.json").read_bytes(),
        "ruff-format.txt": (TOOLS / "ruff" / "format-check-clean.txt").read_bytes(),
    }
    test_reports = {
        "junit.xml": (TOOLS / "pytest" / "junit-passing.xml").read_bytes(),
        "coverage.json": (TOOLS / "coverage" / "coverage.json").read_bytes(),  # 60 % < floor of 80 %
    }
    executor = FakeExecutor(reports={"lint": lint_reports, "test-3.13": test_reports})
    state = run(plan, executor, tmp_path)
    assert statuses(state) == {"lint": "passed", "test-3.13": "failed"}
    test = state.runs["test-3.13"].result
    assert test is not None
    assert any("below the coverage floor 80%" in d for d in test.details)
