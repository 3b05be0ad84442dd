"""Trend math on hand-built histories: percentiles, regressions, cache hits, flaky stages."""

from __future__ import annotations

import datetime as dt

import pytest

from shipyard.serve.stats import (
    RunRecord,
    Settings,
    StageRecord,
    flaky,
    percentile,
    project_stats,
    stage_trend,
    vulnerabilities,
)

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def run(
    run_id: int,
    *stages: StageRecord,
    branch: str = "main",
) -> RunRecord:
    return RunRecord(
        id=run_id,
        branch=branch,
        sha=f"{run_id:040x}",
        started=T0 + dt.timedelta(hours=run_id),
        seconds=sum(s.seconds for s in stages),
        ok=all(s.status == "passed" for s in stages),
        stages=stages,
    )


def stage(
    seconds: float,
    *,
    name: str = "test-3.12",
    status: str = "passed",
    cached: bool = False,
    digest: str = "d1",
    group: str = "test",
    counts: dict[str, object] | None = None,
) -> StageRecord:
    return StageRecord(name, group, status, cached, seconds, digest, counts or {})


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 95, 3.85),
        ([10], 95, 10),
        ([3, 1, 2], 0, 1),
        ([3, 1, 2], 100, 3),
        (list(range(1, 101)), 95, 95.05),
        ([5, 5, 5, 50], 95, 43.25),
    ],
)
def test_percentiles_interpolate_linearly_like_numpy(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_a_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)
    with pytest.raises(ValueError, match="outside"):
        percentile([1], 101)


def steady(n: int, seconds: float = 10.0) -> list[RunRecord]:
    return [run(i, stage(seconds + (i % 3) * 0.5)) for i in range(1, n + 1)]


def test_a_latest_duration_above_the_margin_is_a_regression() -> None:
    history = [*steady(10), run(11, stage(13.0))]  # baseline P95 = 11.0; 13.0 > 11.0 * 1.2 = 13.2? no
    assert not stage_trend("test-3.12", history, Settings()).regression
    history = [*steady(10), run(11, stage(13.3))]
    trend = stage_trend("test-3.12", history, Settings())
    assert trend.baseline_p95 == pytest.approx(11.0)
    assert trend.latest == 13.3
    assert trend.regression


def test_the_margin_is_configurable() -> None:
    history = [*steady(10), run(11, stage(12.0))]
    assert not stage_trend("test-3.12", history, Settings(margin=0.2)).regression
    assert stage_trend("test-3.12", history, Settings(margin=0.05)).regression


def test_too_few_samples_never_flag_a_regression() -> None:
    history = [*steady(3), run(4, stage(100.0))]
    assert not stage_trend("test-3.12", history, Settings(min_samples=5)).regression


def test_only_the_window_counts_as_recent() -> None:
    old = [run(i, stage(100.0)) for i in range(1, 11)]
    recent = [run(i, stage(10.0)) for i in range(11, 31)]
    trend = stage_trend("test-3.12", [*old, *recent, run(31, stage(20.0))], Settings(window=20))
    assert trend.baseline_p95 == pytest.approx(10.0)
    assert trend.regression
    assert trend.p50 == pytest.approx(10.0)


def test_cache_hits_count_for_the_hit_rate_but_not_as_durations() -> None:
    history = [
        run(1, stage(10.0)),
        run(2, stage(0.0, cached=True)),
        run(3, stage(0.0, cached=True)),
        run(4, stage(12.0)),
        run(5, stage(0.0, status="skipped")),
        run(6, stage(1.0, status="error")),
    ]
    trend = stage_trend("test-3.12", history, Settings())
    assert [s for _, s in trend.durations] == [10.0, 12.0]  # errors end early: not a duration
    assert (trend.hits, trend.executed) == (2, 3)
    assert trend.cache_hit_rate == pytest.approx(0.4)
    assert trend.p50 == pytest.approx(11.0)
    assert trend.p95 == pytest.approx(11.9)


def test_a_stage_that_never_ran_has_no_rate() -> None:
    trend = stage_trend("lint", steady(3), Settings())
    assert trend.cache_hit_rate is None
    assert trend.p50 is None
    assert not trend.regression


def test_passed_and_failed_on_the_same_digest_is_flaky() -> None:
    history = [
        run(1, stage(5, digest="a")),
        run(2, stage(5, digest="a", status="failed")),
        run(3, stage(5, digest="b", status="failed")),  # other inputs: a real failure
        run(4, stage(5, digest="b", status="failed")),
        run(5, stage(5, digest="c")),
        run(6, stage(0, digest="c", status="failed", cached=True)),  # a replayed verdict is not evidence
        run(7, stage(1, digest="d", status="error")),
        run(8, stage(1, digest="d")),  # an error is not a test failure
    ]
    (found,) = flaky(history)
    assert (found.stage, found.digest, found.passed, found.failed, found.runs) == (
        "test-3.12",
        "a",
        1,
        1,
        (1, 2),
    )


def test_vulnerabilities_sum_the_scan_stages() -> None:
    scans = run(
        1,
        stage(1, name="scan-image", group="scan", counts={"critical": 1, "high": 2, "medium": 0, "low": 4}),
        stage(1, name="scan-source", group="scan", counts={"critical": 0, "high": 1, "low": 1}),
        stage(1, name="lint", group="lint", counts={"high": 99}),
    )
    assert vulnerabilities(scans) == {"critical": 1, "high": 3, "medium": 0, "low": 5}
    assert vulnerabilities(run(2, stage(1))) is None


def test_project_stats_split_by_branch_and_order_by_activity() -> None:
    history = [
        run(1, stage(10), branch="main"),
        run(2, stage(11), branch="feature"),
        run(3, stage(12), branch="main"),
        run(4, stage(13), branch="feature"),
    ]
    stats = project_stats("webapp", history, Settings())
    assert [b.branch for b in stats.branches] == ["feature", "main"]
    assert [r.id for r in stats.branches[1].runs] == [1, 3]
    data = stats.as_json()
    assert data["project"] == "webapp"
    assert data["settings"] == {"window": 20, "margin": 0.2, "min_samples": 5}
