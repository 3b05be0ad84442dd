"""`shipyard run`: the pipeline on the Docker executor, with a live view and a summary."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import anyio
import click

from shipyard.baselines import save_baselines
from shipyard.cli.live import LiveView, PlainLines, output_console, summary_table
from shipyard.cli.options import open_selected, selection_options
from shipyard.docker.leg_memory import memory_cap
from shipyard.errors import EngineError, GateFailedError, ReportError
from shipyard.plan.cache_bound import MAX_ENV, max_bytes, prune
from shipyard.reports.stage_dirs import project_stage_ids
from shipyard.reports.summary import summary_data
from shipyard.reports.write import write_reports
from shipyard.runner import RunOptions, RunState, StageRun, run_plan
from shipyard.session import with_plan
from shipyard.stages.publish import COSIGN_KEY, COSIGN_PASSWORD, REGISTRY_PASSWORD, REGISTRY_USERNAME
from shipyard.stages.publish_package import INDEX_PASSWORD, INDEX_USERNAME
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import BuildStep

if TYPE_CHECKING:
    from shipyard.cli.live import Lines
    from shipyard.docker.executor import DockerExecutor
    from shipyard.executor import StepContext
    from shipyard.session import Session
    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.spec import Stage, VolumeFile


def _executor(offline: bool) -> DockerExecutor:
    from shipyard.docker.executor import DockerExecutor  # noqa: PLC0415 - only runs need the docker SDK

    return DockerExecutor(pull=not offline)


class CacheHitsOnly:
    """The executor of a run whose every stage is a cache hit or not applicable: no engine at all.

    Neither the docker SDK is imported nor the engine asked, so a warm no-op costs only the
    plan. `needs_engine` decides; a run it lets through never calls `run` or `restore`.
    """

    name = "docker"

    async def run(self, stage: Stage, context: StepContext) -> StageOutcome:
        """Never called: every stage of this run is a cache hit."""
        del context
        raise EngineError(f"stage {stage.id} needs the engine in a cache-only run", fix="please report")

    async def restore(self, stage: Stage, out_dir: Path) -> None:
        """Nothing to restore: no stage of this run needs the engine after a hit."""
        del stage, out_dir

    async def close(self) -> None:
        """Nothing was started."""

    async def observe(self, files: tuple[VolumeFile, ...]) -> tuple[str, ...]:
        """Never called: `needs_engine` sends a stage that observes state to the engine."""
        raise EngineError(
            f"{len(files)} observed file(s) need the engine in a cache-only run", fix="please report"
        )

    def cleanup(self) -> None:
        """Nothing was started."""

    def stand_ins(self) -> list[str]:
        """No image was used by this run."""
        return []


def needs_engine(session: Session, *, use_cache: bool) -> bool:
    """Whether a stage of this run will run (or restore an image): all but cache hits and n/a do."""
    if not use_cache:
        return True
    for stage in session.plan.stages:
        if stage.not_applicable:
            continue
        if not stage.cacheable or isinstance(stage.action, BuildStep):  # a build hit reloads its image
            return True
        if stage.observes:  # its cache key holds what the engine has (a scanner's DB)
            return True
        if session.cache.lookup(stage.id, session.digests[stage.id]) is None:
            return True
    return False


SECRET_VARIABLES = (
    REGISTRY_USERNAME,
    REGISTRY_PASSWORD,
    COSIGN_KEY,
    COSIGN_PASSWORD,
    INDEX_USERNAME,
    INDEX_PASSWORD,
)
"""Environment variables handed to the executor as secrets (never printed, never in argv)."""


def secrets_from_env() -> dict[str, str]:
    """The publish secrets the user exported (COSIGN_KEY may be the key's PEM text or its path).

    The image publish reads the registry and cosign ones, publish-package the index ones.
    """
    return {name: os.environ[name] for name in SECRET_VARIABLES if name in os.environ}


class TerminatedError(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, `kill`, `docker stop` of a wrapper): handled like Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    del signum, frame
    raise TerminatedError


INTERRUPT_EXIT = {"SIGINT": 130, "SIGTERM": 143}
"""128 + the signal's number, as shells report a process the signal ended."""


OUT_FIX = "pass --out a writable directory with free space"


def _check_writable(out_root: Path) -> None:
    """Fail before any container starts when the report directory cannot be written."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        probe = out_root / ".shipyard-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ReportError(f"cannot write reports to {out_root}: {exc.strerror or exc}", fix=OUT_FIX) from exc


def _fail_all(state: RunState, reason: str) -> None:
    for run in state.runs.values():
        run.result = StageResult(status=Status.ERROR, summary=reason)


def default_jobs() -> int:
    """Two stages per core this process may run on (a 2-core host runs 4), at most 8.

    A test leg waits on the engine for a good part of its time (creating, starting and removing
    its container, keeping its environment, downloads), so one stage per core leaves cores idle
    while a matrix waits its turn: the hand-written script bench/compare.py measures against runs
    all four legs at once.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(2 * cores, 8))


@click.command("run")
@click.argument("stages", nargs=-1, metavar="[STAGE]...")
@selection_options
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=default_jobs,
    show_default="two per core this process may use, at most 8",
    help="Stages run at once (a test leg keeps a core busy about half its time).",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Report directory (default: SOURCE/.shipyard/out)."
)
@click.option("--no-cache", is_flag=True, help="Run every stage even when its inputs are unchanged.")
@click.option("--offline", is_flag=True, help="Never pull images: use only what the engine has.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of a table.")
@click.option("--verbose", "-v", is_flag=True, help="Print every stage's output lines.")
@click.option(
    "--report-to",
    metavar="URL",
    help="Send the summary to a `shipyard serve` at URL (token: SHIPYARD_SERVE_TOKEN); a failure warns. "
    "The bench stage compares with the baseline branch's last green run there (else the baseline file).",
)
def command(
    stages: tuple[str, ...],
    source: Path,
    tier: str | None,
    pythons: tuple[str, ...],
    packages: tuple[str, ...],
    platforms: tuple[str, ...],
    skip: tuple[str, ...],
    jobs: int,
    out: Path | None,
    no_cache: bool,
    offline: bool,
    as_json: bool,
    verbose: bool,
    report_to: str | None,
) -> None:
    """Run the pipeline (or the named stages and what they need) on the Docker Engine."""
    session = open_selected(
        source,
        stages=stages,
        tier=tier,
        pythons=pythons,
        packages=packages,
        platforms=platforms,
        skip=skip,
        out=out,
    )
    _check_writable(session.out_root)
    memory_cap(0)  # a SHIPYARD_ENV_MEMORY that is no size fails here, before any stage runs
    if report_to:  # the service's baseline, asked for before the run (shipyard.bench_baseline)
        from shipyard.bench_baseline import with_served_baseline  # noqa: PLC0415 - its HTTP client only then

        plan = with_served_baseline(session.plan, url=report_to, project=session.project.name)
        session = with_plan(session, plan)  # the bench's key holds the baseline it is judged against
    console = PlainLines(sys.stderr) if as_json else output_console()
    state = RunState(
        runs={s.id: StageRun(stage=s, digest=session.digests[s.id]) for s in session.plan.stages}
    )
    error: str | None = None
    executor_name = "docker"
    interrupted_by = "SIGINT"
    signal.signal(signal.SIGTERM, _terminate)
    finish = functools.partial(
        _finish,
        session=session,
        state=state,
        executor=executor_name,
        console=console,
        as_json=as_json,
        report_to=report_to,
    )
    try:
        executor = _executor(offline) if needs_engine(session, use_cache=not no_cache) else CacheHitsOnly()
    except EngineError as exc:
        error = exc.one_line()
        _fail_all(state, error)
        finish(stand_ins=[], error=error)
        raise
    try:
        with LiveView(state, console, verbose=verbose) as view:
            anyio.run(
                _run,
                session,
                executor,
                state,
                view,
                RunOptions(jobs=jobs, use_cache=not no_cache, secrets=secrets_from_env()),
            )
    except KeyboardInterrupt as exc:
        state.interrupted = True
        interrupted_by = "SIGTERM" if isinstance(exc, TerminatedError) else "SIGINT"
        error = f"interrupted ({interrupted_by}): every container of this run was removed"
    finally:
        executor.cleanup()
        finish(stand_ins=executor.stand_ins(), error=error)
        _bound_cache(session, console)
    if state.interrupted:
        sys.exit(INTERRUPT_EXIT[interrupted_by])
    if not state.ok:
        failed = [
            r.stage.id
            for r in state.runs.values()
            if r.result and not r.result.status.ok and r.result.status is not Status.SKIPPED
        ]
        raise GateFailedError(
            f"{len(failed)} stage(s) did not pass: {', '.join(failed)}",
            fix=f"see {session.out_root / 'summary.md'}",
        )


def _bound_cache(session: Session, console: Lines) -> None:
    """Drop cached stages the project no longer has, and the oldest over the size bound."""
    removed = prune(
        session.cache.root, keep=project_stage_ids(session.project, session.context), limit=max_bytes()
    )
    if removed:
        console.print(f"cache: removed {len(removed)} stale or least recently used stage(s) ({MAX_ENV})")


async def _run(
    session: Session,
    executor: DockerExecutor | CacheHitsOnly,
    state: RunState,
    view: LiveView,
    options: RunOptions,
) -> None:
    try:
        await run_plan(
            session.plan,
            root=session.project.root,
            files=session.files,
            digests=session.digests,
            executor=executor,
            cache=session.cache,
            out_root=session.out_root,
            options=options,
            events=view,
            state=state,
        )
    finally:
        await executor.close()


def _finish(
    session: Session,
    state: RunState,
    executor: str,
    stand_ins: list[str],
    error: str | None,
    console: Lines,
    as_json: bool,
    report_to: str | None = None,
) -> None:
    data = summary_data(
        state, project=session.project, git=session.git, executor=executor, stand_ins=stand_ins, error=error
    )
    try:
        write_reports(session.out_root, data, state=state, project=session.project, context=session.context)
        saved = save_baselines(
            state, root=session.project.root, out_root=session.out_root, ref=session.git.ref
        )
    except OSError as exc:
        where = exc.filename or session.out_root
        raise ReportError(
            f"could not write the reports to {where}: {exc.strerror or exc}", fix=OUT_FIX
        ) from exc
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        console.print(summary_table(data))
        for stand_in in stand_ins:
            # docs/engine.md: a run that uses a seeded stand-in says so, with the version it runs
            console.print(f"stand-in: {stand_in}")
        console.print(f"reports: {session.out_root}")
        for path in saved:
            console.print(f"baseline recorded: {path}")
    if report_to:
        _report(report_to, data, console)


def _report(url: str, data: dict[str, object], console: Lines) -> None:
    """Send the summary to a run-history service; never fails the run."""
    from shipyard.serve.client import send_summary  # noqa: PLC0415 - only with --report-to

    try:
        where = send_summary(url, data, token=os.environ.get("SHIPYARD_SERVE_TOKEN"))
    except OSError as exc:
        console.print(f"[yellow]warning:[/] the summary was not sent: {exc}")
    else:
        console.print(f"summary sent: {where}")
