"""Trends over a project's run history: pure functions over records, no database, no web.

Definitions (docs/serve.md repeats them):
- duration samples of a stage are its EXECUTED runs (not cache hits) that passed or failed;
- P50/P95 are linear-interpolation percentiles over the last `window` samples;
- a REGRESSION is a latest sample above (1 + margin) x the P95 of the `window` samples before it,
  judged only with at least `min_samples` of them;
- the cache-hit rate is hits / (hits + executed runs), over runs where the stage had a verdict;
- a stage is FLAKY when it both passed and failed, executed, on the same input digest;
- vulnerability counts are the severities summed over a run's scan stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping, Sequence

SEVERITIES = ("critical", "high", "medium", "low")
TIMED = frozenset({"passed", "failed"})
"""Statuses whose duration means something (an error or skip ends early)."""
VERDICTS = frozenset({"passed", "failed", "error"})


@dataclass(frozen=True)
class StageRecord:
    """One stage of one stored run."""

    stage: str
    group: str
    status: str
    cached: bool
    seconds: float
    digest: str
    counts: Mapping[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True)
class RunRecord:
    """One stored run."""

    id: int
    branch: str
    sha: str | None
    started: dt.datetime
    seconds: float
    ok: bool
    stages: tuple[StageRecord, ...]


@dataclass(frozen=True)
class Settings:
    """How trends are judged."""

    window: int = 20
    margin: float = 0.2
    """A latest duration above (1 + margin) x recent P95 is a regression."""
    min_samples: int = 5


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:  # noqa: PLR2004 - percent bounds
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class StageTrend:
    """A stage's durations and cache behaviour on one branch."""

    stage: str
    durations: tuple[tuple[int, float], ...]
    """(run id, seconds) of the executed samples, oldest first."""
    p50: float | None
    p95: float | None
    baseline_p95: float | None
    """P95 of the window before the latest sample: what the latest is judged against."""
    latest: float | None
    regression: bool
    hits: int
    executed: int

    @property
    def cache_hit_rate(self) -> float | None:
        """Hits / (hits + executed runs); None when the stage never had a verdict."""
        total = self.hits + self.executed
        return self.hits / total if total else None

    def as_json(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "stage": self.stage,
            "samples": len(self.durations),
            "p50": _round(self.p50),
            "p95": _round(self.p95),
            "baseline_p95": _round(self.baseline_p95),
            "latest": _round(self.latest),
            "regression": self.regression,
            "cache_hits": self.hits,
            "executed": self.executed,
            "cache_hit_rate": _round(self.cache_hit_rate, 4),
            "durations": [{"run": run, "seconds": seconds} for run, seconds in self.durations],
        }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def stage_trend(stage: str, runs: Sequence[RunRecord], settings: Settings) -> StageTrend:
    """The trend of one stage over `runs` (oldest first, one branch)."""
    samples: list[tuple[int, float]] = []
    hits = executed = 0
    for run in runs:
        for record in run.stages:
            if record.stage != stage or record.status not in VERDICTS:
                continue
            if record.cached:
                hits += 1
                continue
            executed += 1
            if record.status in TIMED:
                samples.append((run.id, record.seconds))
    recent = [s for _, s in samples[-settings.window :]]
    baseline = [s for _, s in samples[-settings.window - 1 : -1]]
    latest = samples[-1][1] if samples else None
    baseline_p95 = percentile(baseline, 95) if baseline else None
    regression = (
        latest is not None
        and baseline_p95 is not None
        and len(baseline) >= settings.min_samples
        and latest > baseline_p95 * (1 + settings.margin)
    )
    return StageTrend(
        stage=stage,
        durations=tuple(samples),
        p50=percentile(recent, 50) if recent else None,
        p95=percentile(recent, 95) if recent else None,
        baseline_p95=baseline_p95,
        latest=latest,
        regression=regression,
        hits=hits,
        executed=executed,
    )


@dataclass(frozen=True)
class Flaky:
    """A stage that both passed and failed on the same inputs."""

    stage: str
    digest: str
    passed: int
    failed: int
    runs: tuple[int, ...]

    def as_json(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "stage": self.stage,
            "digest": self.digest,
            "passed": self.passed,
            "failed": self.failed,
            "runs": list(self.runs),
        }


def flaky(runs: Iterable[RunRecord]) -> list[Flaky]:
    """Stages whose executed runs on one digest include both a pass and a failure."""
    seen: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for run in runs:
        for record in run.stages:
            if record.cached or not record.digest or record.status not in TIMED:
                continue
            seen.setdefault((record.stage, record.digest), []).append((run.id, record.status))
    found: list[Flaky] = []
    for (stage, digest), verdicts in sorted(seen.items()):
        passed = sum(1 for _, status in verdicts if status == "passed")
        failed = len(verdicts) - passed
        if passed and failed:
            found.append(Flaky(stage, digest, passed, failed, tuple(run for run, _ in verdicts)))
    return found


def vulnerabilities(run: RunRecord) -> dict[str, int] | None:
    """Findings per severity summed over the run's scan stages; None when nothing was scanned."""
    scans = [r for r in run.stages if r.group == "scan" and any(k in r.counts for k in SEVERITIES)]
    if not scans:
        return None
    return {k: sum(_int(r.counts.get(k, 0)) for r in scans) for k in SEVERITIES}


def _int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    return 0


@dataclass(frozen=True)
class BranchStats:
    """A branch's history, oldest run first."""

    branch: str
    runs: tuple[RunRecord, ...]
    stages: tuple[StageTrend, ...]

    @property
    def regressions(self) -> list[str]:
        """Stages whose latest duration is a regression."""
        return [t.stage for t in self.stages if t.regression]

    def as_json(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "branch": self.branch,
            "runs": [
                {
                    "id": r.id,
                    "sha": r.sha,
                    "started": r.started.isoformat(),
                    "seconds": r.seconds,
                    "ok": r.ok,
                    "vulnerabilities": vulnerabilities(r),
                }
                for r in self.runs
            ],
            "regressions": self.regressions,
            "stages": [t.as_json() for t in self.stages],
        }


def branch_stats(branch: str, runs: Sequence[RunRecord], settings: Settings) -> BranchStats:
    """Every stage's trend on one branch."""
    ordered = tuple(sorted(runs, key=lambda r: (r.started, r.id)))
    names = list(dict.fromkeys(s.stage for r in ordered for s in r.stages))
    return BranchStats(branch, ordered, tuple(stage_trend(n, ordered, settings) for n in names))


@dataclass(frozen=True)
class ProjectStats:
    """A project's history per branch, and its flaky stages."""

    project: str
    branches: tuple[BranchStats, ...]
    flaky: tuple[Flaky, ...]
    settings: Settings

    def as_json(self) -> dict[str, object]:
        """JSON-ready (the `/api/projects/{name}/stats` body)."""
        return {
            "project": self.project,
            "settings": {
                "window": self.settings.window,
                "margin": self.settings.margin,
                "min_samples": self.settings.min_samples,
            },
            "branches": [b.as_json() for b in self.branches],
            "flaky": [f.as_json() for f in self.flaky],
        }


def project_stats(project: str, runs: Sequence[RunRecord], settings: Settings) -> ProjectStats:
    """Group runs by branch (most recently active first) and compute every trend."""
    by_branch: dict[str, list[RunRecord]] = {}
    for run in runs:
        by_branch.setdefault(run.branch, []).append(run)
    order = sorted(by_branch, key=lambda b: max((r.started, r.id) for r in by_branch[b]), reverse=True)
    return ProjectStats(
        project=project,
        branches=tuple(branch_stats(b, by_branch[b], settings) for b in order),
        flaky=tuple(flaky(runs)),
        settings=settings,
    )
