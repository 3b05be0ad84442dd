"""Run a plan on an executor: dependencies, parallelism, the cache, and verdicts.

Engine-agnostic: every engine operation goes through the Executor interface. Independent
stages run at once (bounded by `jobs`); a failing stage skips only what depends on it; an
unchanged green stage is a cache hit and does not run. An exclusive stage runs alone: it waits
for the running stages to end, and no other stage starts until it has ended.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

import anyio

from shipyard.errors import ReportError, ShipyardError
from shipyard.executor import StepContext
from shipyard.plan.sources import select
from shipyard.stages.budget import within_budget
from shipyard.stages.outcome import StageOutcome
from shipyard.stages.result import StageResult, Status

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping
    from pathlib import Path

    from shipyard.executor import Executor
    from shipyard.plan.cache import StageCache
    from shipyard.plan.graph import Plan
    from shipyard.stages.spec import Stage


@dataclass
class StageRun:
    """One stage's progress and verdict within a run."""

    stage: Stage
    digest: str
    state: str = "pending"
    """pending, running or done."""
    result: StageResult | None = None
    cached: bool = False
    started: float | None = None
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds the stage has been running (or ran)."""
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started


class RunEvents(Protocol):
    """Progress callbacks (the live view implements them; tests may record them)."""

    def stage_started(self, run: StageRun) -> None:
        """A stage began running."""
        ...

    def stage_finished(self, run: StageRun) -> None:
        """A stage has its verdict."""
        ...

    def stage_log(self, run: StageRun, line: str) -> None:
        """A line of a stage's output."""
        ...


class NoEvents:
    """Events that go nowhere."""

    def stage_started(self, run: StageRun) -> None:
        """Ignore."""

    def stage_finished(self, run: StageRun) -> None:
        """Ignore."""

    def stage_log(self, run: StageRun, line: str) -> None:
        """Ignore."""


@dataclass
class RunState:
    """A whole run: every stage's progress, and when the run started and ended."""

    runs: dict[str, StageRun]
    started: float = field(default_factory=time.time)
    finished: float | None = None
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """Whether every stage has a verdict that lets the pipeline pass."""
        return not self.interrupted and all(
            r.result is not None and (r.result.status.ok or r.result.status is Status.SKIPPED)
            for r in self.runs.values()
        )


@dataclass(frozen=True)
class RunOptions:
    """How a run behaves."""

    jobs: int = 2
    use_cache: bool = True
    secrets: Mapping[str, str] = field(default_factory=dict[str, str])


class Slots:
    """Where stages wait for their turn: `jobs` at once, an exclusive stage alone.

    An exclusive stage takes every slot (one by one, first in line for each, so stages that arrive
    after it wait behind it); exclusive stages take their turns one after another.
    """

    def __init__(self, jobs: int) -> None:
        self.limiter = anyio.CapacityLimiter(max(1, jobs))
        self.alone = anyio.Lock()

    @asynccontextmanager
    async def hold(self, *, exclusive: bool) -> AsyncGenerator[None]:
        """Hold one slot, or every slot when `exclusive`, while the block runs."""
        if not exclusive:
            async with self.limiter:
                yield
            return
        async with self.alone:
            held: list[object] = []
            try:
                for _ in range(int(self.limiter.total_tokens)):
                    borrower = object()
                    await self.limiter.acquire_on_behalf_of(borrower)
                    held.append(borrower)
                yield
            finally:
                for borrower in held:
                    self.limiter.release_on_behalf_of(borrower)


def _skip(reason: str) -> StageResult:
    # The summary is the reason alone: every view prints it next to the status ("skipped").
    return StageResult(status=Status.SKIPPED, summary=reason)


async def run_plan(
    plan: Plan,
    *,
    root: Path,
    files: list[str],
    digests: Mapping[str, str],
    executor: Executor,
    cache: StageCache,
    out_root: Path,
    options: RunOptions,
    events: RunEvents,
    state: RunState | None = None,
) -> RunState:
    """Run every stage of `plan`, dependencies first; return every stage's verdict."""
    state = state or RunState(runs={s.id: StageRun(stage=s, digest=digests[s.id]) for s in plan.stages})
    done = {sid: anyio.Event() for sid in state.runs}
    slots = Slots(options.jobs)

    async def one(run: StageRun) -> None:
        try:
            for need in run.stage.needs:
                await done[need].wait()
            run.result = await _stage(
                run,
                state=state,
                root=root,
                files=files,
                executor=executor,
                cache=cache,
                out_root=out_root,
                options=options,
                events=events,
                slots=slots,
            )
        finally:
            run.state = "done"
            run.finished = run.finished or time.monotonic()
            done[run.stage.id].set()
            if run.result is not None:
                events.stage_finished(run)

    try:
        async with anyio.create_task_group() as group:
            for run in state.runs.values():
                group.start_soon(one, run)
    finally:
        state.finished = time.time()
    return state


async def _stage(
    run: StageRun,
    *,
    state: RunState,
    root: Path,
    files: list[str],
    executor: Executor,
    cache: StageCache,
    out_root: Path,
    options: RunOptions,
    events: RunEvents,
    slots: Slots,
) -> StageResult:
    stage = run.stage
    out_dir = out_root / stage.id
    if stage.not_applicable:
        shutil.rmtree(out_dir, ignore_errors=True)
        return StageResult(status=Status.NOT_APPLICABLE, summary=stage.not_applicable)
    blocked = next((n for n in stage.needs if not _passed(state.runs[n])), None)
    if blocked is not None:
        return _skip(f"needs {blocked}, which did not pass")
    key = await _cache_key(stage, run.digest, executor) if options.use_cache and stage.cacheable else None
    if key is not None:
        hit = cache.lookup(stage.id, key)
        if hit is not None and await _reuse(stage, cache, executor, out_dir):
            run.cached = True
            run.started = run.finished = time.monotonic()
            return hit
    async with slots.hold(exclusive=stage.exclusive):
        shutil.rmtree(out_dir, ignore_errors=True)
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            return StageResult(
                status=Status.ERROR,
                summary=f"cannot create {out_dir}: {exc.strerror or exc} (fix: free space or pass --out)",
            )
        run.state = "running"
        run.started = time.monotonic()
        events.stage_started(run)
        context = StepContext(
            root=root,
            files=tuple(select(files, stage.inputs)),
            out_dir=out_dir,
            upstream={n: out_root / n for n in stage.needs},
            secrets=options.secrets,
            log=lambda line: events.stage_log(run, line),
        )
        try:
            outcome = await executor.run(stage, context)
        except ShipyardError as exc:
            outcome = StageOutcome(stage_id=stage.id, out_dir=out_dir, error=exc.one_line())
        except Exception as exc:  # noqa: BLE001 - a bug must cost one stage, not the run's reports
            error = (
                f"internal error in the {executor.name} executor: {type(exc).__name__}: {exc} (please report)"
            )
            outcome = StageOutcome(stage_id=stage.id, out_dir=out_dir, error=error)
        run.finished = time.monotonic()
    result = within_budget(
        _evaluate(stage, outcome), seconds=run.elapsed, budget=stage.budget, group=stage.group
    )
    return _remember(stage, run.digest if not stage.observes else key, result, cache, out_dir, run.digest)


def _remember(  # noqa: PLR0917 - the stage's run, one call site
    stage: Stage, key: str | None, result: StageResult, cache: StageCache, out_dir: Path, inputs: str
) -> StageResult:
    """Store a cacheable stage's result under `key` (None: keep nothing), with its input digest.

    A skip is reusable only for a stage whose observed state can tell when it ends.
    """
    if result.reusable and not stage.observes:
        result = replace(result, reusable=False)
    if stage.cacheable and key is not None:
        cache.store(stage.id, key, result, out_dir, inputs=inputs)
    return result


async def _cache_key(stage: Stage, digest: str, executor: Executor) -> str | None:
    """The key a stage's result is cached by: its digest, and the state it observes.

    That state is what the engine holds now (Stage.observes); None when the executor cannot tell
    (the stage runs, nothing is kept).
    """
    if not stage.observes:
        return digest
    try:
        seen = await executor.observe(stage.observes)
    except ShipyardError:
        return None
    return hashlib.sha256(json.dumps([digest, list(seen)]).encode()).hexdigest()


async def _reuse(stage: Stage, cache: StageCache, executor: Executor, out_dir: Path) -> bool:
    """Put a cached stage's reports back and let the executor restore what it needs (an image)."""
    cache.restore(stage.id, out_dir)
    try:
        await executor.restore(stage, out_dir)
    except ShipyardError:
        return False  # e.g. the engine lost the image and the tarball is gone: run the stage again
    return True


def _passed(run: StageRun) -> bool:
    return run.result is not None and run.result.status.ok


def _evaluate(stage: Stage, outcome: StageOutcome) -> StageResult:
    try:
        return stage.evaluate(outcome)
    except ReportError as exc:
        return StageResult(status=Status.ERROR, summary=exc.one_line())
