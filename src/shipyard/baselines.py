"""Baselines: a stage's report from the last green run on the baseline branch, kept for comparison.

The core keeps them in `.shipyard/baselines/<stage>.json` of the project: after a run on the
baseline branch, each green stage with a `Baseline` copies its report there; runs on other refs
read it. On CI the file travels between runs as an artifact (docs/benchmarks.md).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config.paths import STATE_DIR
from shipyard.stages.result import Status

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.parsers.bench import BenchReport
    from shipyard.runner import RunState

BASELINES_DIR = "baselines"
"""The folder of the state directory (`.shipyard/`) baselines are kept in."""


@dataclass(frozen=True)
class ServedBaseline:
    """A baseline a run-history service (`shipyard serve`) handed out: its last green run's benchmarks."""

    report: BenchReport
    """The benchmarks with their rounds, as the run recorded them."""
    origin: str
    """Which it is, for the gate's line: `serve http://ci:8080, run 12 on main`."""


def baseline_path(root: Path, stage_id: str) -> Path:
    """Where the project at `root` keeps the baseline of `stage_id`: `.shipyard/baselines/<stage>.json`."""
    return root / STATE_DIR / BASELINES_DIR / f"{stage_id}.json"


def save_baselines(state: RunState, *, root: Path, out_root: Path, ref: str | None) -> list[Path]:
    """Keep the report of every stage of `state` that passed (not from the cache) on its baseline ref."""
    saved: list[Path] = []
    for run in state.runs.values():
        baseline = run.stage.baseline
        result = run.result
        if baseline is None or result is None or result.status is not Status.PASSED or run.cached:
            continue
        if ref != baseline.ref:
            continue
        report = out_root / run.stage.id / baseline.report
        if not report.is_file():
            continue
        target = baseline_path(root, run.stage.id)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(report, target)
        saved.append(target)
    return saved
