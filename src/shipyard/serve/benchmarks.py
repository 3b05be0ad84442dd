"""Benchmarks as the service keeps them: one run's as a baseline, every run's medians as trends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence


@dataclass(frozen=True)
class BenchmarkRecord:
    """One benchmark of one run's bench stage."""

    name: str
    fullname: str
    median: float
    """Seconds per iteration."""
    rounds: tuple[float, ...]


@dataclass(frozen=True)
class BaselineRecord:
    """The last green run of a branch with benchmarks: what a run on another branch compares with."""

    run_id: int
    sha: str | None
    started: dt.datetime
    benchmarks: tuple[BenchmarkRecord, ...]

    def as_json(self, *, project: str, branch: str, stage: str) -> dict[str, object]:
        """The answer of GET /api/projects/{name}/baseline.

        The run, and its benchmarks as pytest-benchmark JSON (`report`), which the bench gate reads
        as it reads a baseline file.
        """
        return {
            "project": project,
            "branch": branch,
            "stage": stage,
            "run": self.run_id,
            "sha": self.sha,
            "started": self.started.isoformat(),
            "report": {
                "machine_info": {"source": f"shipyard serve: run {self.run_id} of {project} on {branch}"},
                "benchmarks": [
                    {
                        "name": b.name,
                        "fullname": b.fullname,
                        "stats": {"median": b.median, "data": list(b.rounds)},
                    }
                    for b in self.benchmarks
                ],
            },
        }


@dataclass(frozen=True)
class MedianPoint:
    """One benchmark's median in one run."""

    run_id: int
    branch: str
    started: dt.datetime
    name: str
    fullname: str
    median: float


@dataclass(frozen=True)
class BenchTrend:
    """One benchmark over runs: its median per run, per branch."""

    fullname: str
    name: str
    points: tuple[MedianPoint, ...]

    @property
    def branches(self) -> tuple[str, ...]:
        """The branches it ran on, in the order they first did."""
        return tuple(dict.fromkeys(p.branch for p in self.points))


def bench_trends(points: Sequence[MedianPoint]) -> tuple[BenchTrend, ...]:
    """The points grouped by benchmark (node id), each in run order, benchmarks by first appearance."""
    grouped: dict[str, list[MedianPoint]] = {}
    for point in points:
        grouped.setdefault(point.fullname or point.name, []).append(point)
    return tuple(
        BenchTrend(
            fullname=key, name=rows[-1].name, points=tuple(sorted(rows, key=lambda p: (p.started, p.run_id)))
        )
        for key, rows in grouped.items()
    )
