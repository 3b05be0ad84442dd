"""The run summary as JSON: every stage's verdict, timing, cache hit and numbers."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from shipyard import __version__
from shipyard.config.vcs_version import project_vcs_backend
from shipyard.stages.test import VERSION_PARAM, VERSION_SOURCE_PARAM

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.gates.bench import Comparison
    from shipyard.gitinfo import GitInfo
    from shipyard.runner import RunState

SCHEMA = "shipyard.summary/v1"
MAX_ROUNDS = 1000
"""Rounds per benchmark the summary keeps (evenly spaced over the run, 6 significant digits): enough
for the U test as a later run's baseline, and a summary with 50 benchmarks stays well under the
1 MiB a `shipyard serve` accepts."""


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset(started: float | None, run_start: float) -> float | None:
    """Seconds from the run's start to a stage's start (None when the stage never started)."""
    if started is None:
        return None
    return round(max(0.0, started - run_start), 2)


def kept_rounds(rounds: tuple[float, ...], limit: int = MAX_ROUNDS) -> list[float]:
    """At most `limit` of `rounds`, evenly spaced in run order, each to 6 significant digits."""
    step = max(1, -(-len(rounds) // limit))
    return [float(f"{value:.6g}") for value in rounds[::step]]


def _benchmark(row: Comparison) -> dict[str, object]:
    return {
        "name": row.name,
        "fullname": row.fullname,
        "median": row.median,
        "baseline_median": row.baseline_median,
        "change": row.change,
        "p": row.p,
        "verdict": row.verdict,
        "rounds": kept_rounds(row.rounds),
    }


def version_data(state: RunState, project: Project) -> dict[str, str | None]:
    """The version the run's stages built the project as, and where it came from (plan.version)."""
    for run in state.runs.values():
        params = run.stage.params
        if VERSION_SOURCE_PARAM in params:
            return {"value": params[VERSION_PARAM] or None, "source": params[VERSION_SOURCE_PARAM]}
    backend = project_vcs_backend(project)
    if backend is not None:
        return {"value": None, "source": f"{backend.name}: no stage of this run builds the project"}
    return {"value": project.version, "source": "pyproject.toml"}


def summary_data(
    state: RunState,
    *,
    project: Project,
    git: GitInfo,
    executor: str,
    stand_ins: list[str],
    error: str | None = None,
) -> dict[str, object]:
    """The summary of one run, as JSON-ready data."""
    # stages time themselves on the monotonic clock, the run on the wall clock: map one onto the other
    monotonic_run_start = time.monotonic() - (time.time() - state.started)
    stages: list[dict[str, object]] = []
    for run in state.runs.values():
        result = run.result
        stages.append(
            {
                "id": run.stage.id,
                "group": run.stage.group,
                "description": run.stage.description,
                "needs": list(run.stage.needs),
                "status": result.status.value if result else "interrupted",
                "summary": result.summary if result else "did not finish",
                "details": list(result.details) if result else [],
                "counts": dict(result.counts) if result else {},
                "artifacts": list(result.artifacts) if result else [],
                "cached": run.cached,
                "seconds": round(run.elapsed, 2),
                "started_offset": _offset(run.started, monotonic_run_start),
                "digest": run.digest,
                **(
                    {"benchmarks": [_benchmark(b) for b in result.benchmarks]}
                    if result and result.benchmarks
                    else {}
                ),
            }
        )
    finished = state.finished or state.started
    version = version_data(state, project)
    return {
        "schema": SCHEMA,
        "shipyard": __version__,
        "executor": executor,
        "project": {
            "name": project.name,
            "version": version["value"] or project.version,
            "root": str(project.root),
        },
        "version": version,
        "git": {"sha": git.sha, "ref": git.ref, "dirty": git.dirty},
        "started": _iso(state.started),
        "finished": _iso(finished),
        "seconds": round(finished - state.started, 2),
        "ok": state.ok and error is None,
        "interrupted": state.interrupted,
        "error": error,
        "stand_ins": stand_ins,
        "stages": stages,
    }
