"""The bench gate and its Mann-Whitney U test, on recorded pytest-benchmark runs of examples/library."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from shipyard.gates.bench import bench_gate
from shipyard.gates.mann_whitney import mann_whitney
from shipyard.parsers.bench import BenchReport, parse_bench

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools" / "bench"


def load(name: str) -> BenchReport:
    return parse_bench((TOOLS / f"{name}.json").read_bytes(), source=f"{name}.json")


BASELINE, UNCHANGED, REGRESSED = load("baseline"), load("unchanged"), load("regressed")


@pytest.mark.parametrize(
    ("x", "y", "u", "p"),
    [
        # scipy.stats.mannwhitneyu(x, y, method="asymptotic") (scipy 1.16), two-sided
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 0.0, 0.012185780355344813),
        ([1, 2, 2, 3, 3, 3], [2, 3, 3, 4, 4, 5, 5], 7.0, 0.04535219143280889),
        ([0.1, 0.3, 0.2, 0.25], [0.22, 0.35, 0.4, 0.5, 0.45], 2.0, 0.06619257972219345),
        ([3, 1, 2], [2, 2, 1, 3], 6.0, 1.0),
        ([5.0, 5.0], [5.0, 5.0, 5.0], 3.0, 1.0),
    ],
)
def test_mann_whitney_agrees_with_scipy(x: list[float], y: list[float], u: float, p: float) -> None:
    result = mann_whitney(x, y)
    assert result.u == u
    assert result.p == pytest.approx(p, rel=1e-9)


def test_mann_whitney_on_recorded_rounds_agrees_with_scipy() -> None:
    now, before = REGRESSED.benchmarks[1].rounds, BASELINE.benchmarks[1].rounds
    assert mann_whitney(now, before).p == pytest.approx(2.1703150613791443e-11, rel=1e-9)


def test_mann_whitney_needs_values_on_both_sides() -> None:
    with pytest.raises(ValueError, match="at least one value in each sample"):
        mann_whitney([], [1.0])


def test_a_regressed_benchmark_is_named_with_its_change_medians_and_p() -> None:
    gate, rows = bench_gate(REGRESSED, BASELINE, threshold=0.1, branch="main")
    assert not gate.passed
    assert gate.summary == "bench: failed: test_parse +509% (median 34.1 µs vs 5.59 µs, p<0.001)"
    assert [r.verdict for r in rows] == ["regressed", "slower"]  # sort: +5%, within the threshold
    assert gate.notes == (
        "test_parse: median 34.1 µs, baseline 5.59 µs, +509%, p<0.001: regressed",
        "test_sort: median 171 µs, baseline 163 µs, +5%, p<0.001: slower",
    )


def test_a_rerun_of_the_same_code_passes_though_its_rounds_differ_significantly() -> None:
    gate, rows = bench_gate(UNCHANGED, BASELINE, threshold=0.1, branch="main")
    assert gate.passed, gate.summary
    assert gate.summary == (
        "bench: passed: 2 of 2 benchmark(s) compared with main's baseline, "
        "none slower by more than 10% (p < 0.05)"
    )
    parse = rows[0]
    assert parse.verdict == "slower"  # 6% slower, p far below 0.05: within the threshold
    assert parse.p is not None
    assert parse.p < 1e-10
    assert parse.change == pytest.approx(0.0606, abs=1e-3)


def test_a_lower_threshold_turns_the_same_run_into_a_regression() -> None:
    gate, _ = bench_gate(UNCHANGED, BASELINE, threshold=0.05, branch="main")
    assert not gate.passed
    assert gate.summary.startswith(
        "bench: failed: test_parse +6% (median 5.93 µs vs 5.59 µs, p<0.001); test_sort +5%"
    )


def test_faster_is_never_a_regression() -> None:
    gate, rows = bench_gate(BASELINE, REGRESSED, threshold=0.1, branch="main")
    assert gate.passed
    assert rows[0].verdict == "faster"
    assert rows[0].line().startswith("test_parse: median 5.59 µs, baseline 34.1 µs, -84%, p<0.001: faster")


def test_no_baseline_yet_passes_and_says_nothing_was_compared() -> None:
    gate, rows = bench_gate(BASELINE, None, threshold=0.1, branch="main")
    assert gate.passed
    assert gate.summary == (
        "bench: passed: no baseline yet "
        "(2 benchmark(s) ran, nothing compared; a green run on main records it)"
    )
    assert [r.verdict for r in rows] == ["new", "new"]
    assert gate.notes[0] == "test_parse: median 5.59 µs, no baseline: new"


def test_new_and_gone_benchmarks_are_listed_and_never_fail() -> None:
    renamed = dataclasses.replace(
        BASELINE.benchmarks[1], name="test_sorted", fullname="benchmarks/test_bench.py::test_sorted"
    )
    current = dataclasses.replace(UNCHANGED, benchmarks=(UNCHANGED.benchmarks[0], renamed))
    gate, rows = bench_gate(current, BASELINE, threshold=0.1, branch="main")
    assert gate.passed
    assert rows[1].verdict == "new"
    assert "1 of 2 benchmark(s) compared" in gate.summary
    assert gate.notes[-1] == "in the baseline but not in this run: test_sort"


def test_a_run_without_benchmarks_fails() -> None:
    empty = dataclasses.replace(BASELINE, benchmarks=())
    gate, rows = bench_gate(empty, BASELINE, threshold=0.1, branch="main")
    assert not gate.passed
    assert rows == ()
    assert gate.summary.startswith("bench: failed: no benchmarks ran (baseline.json)")
