"""The bench gate: slower than the baseline by more than the threshold, and significantly so.

A benchmark regresses when its median is slower than the baseline's by more than the threshold
AND its rounds differ significantly from the baseline's (Mann-Whitney U, p < 0.05). Both
conditions: the threshold alone fails on noise (one slow median), the test alone fails on
differences too small to matter (thousands of rounds make a 1% shift significant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shipyard.gates.mann_whitney import mann_whitney
from shipyard.gates.result import GateResult

if TYPE_CHECKING:
    from shipyard.parsers.bench import Benchmark, BenchReport

ALPHA = 0.05
"""The p-value under which a difference of the rounds is taken as real."""
Verdict = Literal["regressed", "slower", "faster", "same", "new"]
_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns"))


@dataclass(frozen=True, slots=True)
class Comparison:
    """One benchmark of this run against the baseline's."""

    name: str
    median: float
    """Seconds per iteration, this run."""
    baseline_median: float | None = None
    """Seconds per iteration in the baseline; None for a benchmark the baseline has not got."""
    p: float | None = None
    """Two-sided Mann-Whitney p-value of the rounds against the baseline's rounds."""
    verdict: Verdict = "new"
    """`regressed` (slower beyond the threshold, significantly), `slower`/`faster` (significantly,
    within the threshold for slower), `same` (no significant difference), `new` (no baseline)."""
    fullname: str = ""
    """The node id runs are matched by (`benchmarks/test_bench.py::test_parse`)."""
    rounds: tuple[float, ...] = ()
    """This run's rounds, seconds per iteration: what a later run compares with when this one is its
    baseline (the run-history service keeps them)."""

    @property
    def change(self) -> float | None:
        """The median's change as a fraction of the baseline's (+0.43: 43% slower)."""
        if self.baseline_median is None or self.baseline_median <= 0:
            return None
        return self.median / self.baseline_median - 1

    def line(self) -> str:
        """`test_parse: median 1.2 ms, baseline 0.84 ms, +43%, p=0.001: regressed`."""
        if self.baseline_median is None:
            return f"{self.name}: median {seconds_text(self.median)}, no baseline: new"
        unit = time_unit(max(self.median, self.baseline_median))
        medians = (
            f"median {seconds_text(self.median, unit)}, baseline {seconds_text(self.baseline_median, unit)}"
        )
        return f"{self.name}: {medians}, {_percent(self.change)}, {_p(self.p)}: {self.verdict}"


def compare(current: BenchReport, baseline: BenchReport, *, threshold: float) -> tuple[Comparison, ...]:
    """Every benchmark of `current` against the one of the same node id in `baseline`."""
    rows: list[Comparison] = []
    for bench in current.benchmarks:
        before = baseline.named(bench.fullname)
        if before is None:
            rows.append(_row(bench))
            continue
        p = mann_whitney(bench.rounds, before.rounds).p
        slower = bench.median > before.median
        change = bench.median / before.median - 1 if before.median > 0 else 0.0
        if p >= ALPHA:
            verdict: Verdict = "same"
        elif slower and change > threshold:
            verdict = "regressed"
        else:
            verdict = "slower" if slower else "faster"
        rows.append(_row(bench, baseline_median=before.median, p=p, verdict=verdict))
    return tuple(rows)


def _row(
    bench: Benchmark,
    *,
    baseline_median: float | None = None,
    p: float | None = None,
    verdict: Verdict = "new",
) -> Comparison:
    return Comparison(
        name=bench.name,
        median=bench.median,
        baseline_median=baseline_median,
        p=p,
        verdict=verdict,
        fullname=bench.fullname,
        rounds=bench.rounds,
    )


def bench_gate(
    current: BenchReport,
    baseline: BenchReport | None,
    *,
    threshold: float,
    branch: str,
    no_baseline: str = "",
    origin: str = "",
) -> tuple[GateResult, tuple[Comparison, ...]]:
    """Judge a run's benchmarks against the baseline branch's.

    `no_baseline` says why there is none; `origin`, which baseline was used (`serve <url>, run 12 on
    main`, `baseline file <path>`, `no baseline yet`): the first note, and named in the summary.
    """
    count = len(current.benchmarks)
    first = (f"baseline: {origin}",) if origin else ()
    if count == 0:
        reason = f"no benchmarks ran ({current.source}): check the bench command and its paths"
        return GateResult(
            gate="bench", passed=False, summary=f"bench: failed: {reason}", reasons=(reason,)
        ), ()
    if baseline is None:
        rows = tuple(_row(b) for b in current.benchmarks)
        why = no_baseline or f"a green run on {branch} records it"
        summary = f"bench: passed: no baseline yet ({count} benchmark(s) ran, nothing compared; {why})"
        return GateResult(
            gate="bench", passed=True, summary=summary, notes=(*first, *(r.line() for r in rows))
        ), rows
    rows = compare(current, baseline, threshold=threshold)
    gone = [b.name for b in baseline.benchmarks if current.named(b.fullname) is None]
    notes = [*first, *(r.line() for r in rows)]
    if gone:
        notes.append(f"in the baseline but not in this run: {', '.join(gone)}")
    regressed = [r for r in rows if r.verdict == "regressed"]
    if regressed:
        reasons = tuple(_regression(r) for r in regressed)
        return (
            GateResult(
                gate="bench",
                passed=False,
                summary="bench: failed: " + "; ".join(reasons),
                reasons=reasons,
                notes=tuple(notes),
            ),
            rows,
        )
    compared = sum(1 for r in rows if r.verdict != "new")
    summary = (
        f"bench: passed: {compared} of {count} benchmark(s) compared with {branch}'s baseline"
        f"{f' ({origin})' if origin else ''}, "
        f"none slower by more than {threshold:.0%} (p < {ALPHA:g})"
    )
    return GateResult(gate="bench", passed=True, summary=summary, notes=tuple(notes)), rows


def _regression(row: Comparison) -> str:
    """`test_parse +43% (median 1.2 ms vs 0.84 ms, p=0.001)`."""
    assert row.baseline_median is not None  # noqa: S101 - only compared rows regress
    unit = time_unit(max(row.median, row.baseline_median))
    return (
        f"{row.name} {_percent(row.change)} (median {seconds_text(row.median, unit)} vs "
        f"{seconds_text(row.baseline_median, unit)}, {_p(row.p)})"
    )


def time_unit(seconds: float) -> tuple[float, str]:
    """The scale and name to show `seconds` in: (1e-6, "µs") for 0.00034."""
    return next(((scale, name) for scale, name in _UNITS if seconds >= scale), _UNITS[-1])


def seconds_text(seconds: float, unit: tuple[float, str] | None = None) -> str:
    """`340 µs`: three significant digits in `unit` (default: the one that suits `seconds`)."""
    scale, name = unit or time_unit(seconds)
    return f"{seconds / scale:.3g} {name}"


def _percent(change: float | None) -> str:
    return "n/a" if change is None else f"{change:+.0%}"


def _p(p: float | None) -> str:
    if p is None:
        return "p n/a"
    return "p<0.001" if p < 0.001 else f"p={p:.2g}"  # noqa: PLR2004 - the smallest p worth printing
