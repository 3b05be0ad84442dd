"""The benchmarks page of a project: each benchmark's median over runs, one line per branch."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from shipyard.gates.bench import seconds_text, time_unit
from shipyard.reports.html import PALETTE, esc, page, section
from shipyard.serve.charts import Series, line_chart

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shipyard.serve.benchmarks import BenchTrend


def _chart(trend: BenchTrend) -> str:
    scale, unit = time_unit(max(p.median for p in trend.points))
    series = [
        Series(
            branch,
            PALETTE[index % len(PALETTE)],
            tuple(round(p.median / scale, 4) if p.branch == branch else None for p in trend.points),
        )
        for index, branch in enumerate(trend.branches)
    ]
    labels = [f"#{p.run_id} {p.started:%Y-%m-%d %H:%M}" for p in trend.points]
    return line_chart(series, labels=labels, title=f"{trend.name} median", unit=f" {unit}")


def _trend(trend: BenchTrend) -> str:
    latest = trend.points[-1]
    return (
        f"<h3><code>{esc(trend.name)}</code></h3>"
        f'<p class="muted"><code>{esc(trend.fullname)}</code> · {len(trend.points)} run(s) · latest median '
        f"{esc(seconds_text(latest.median))} (run #{latest.run_id} on {esc(latest.branch)})</p>"
        + _chart(trend)
    )


def bench_page(project: str, trends: Sequence[BenchTrend]) -> str:
    """Every benchmark's median per run (pure: data in, HTML out)."""
    name = quote(project)
    header = (
        f'<h1><a href="/" style="text-decoration:none">shipyard</a> · '
        f'<a href="/projects/{name}">{esc(project)}</a> · benchmarks</h1>'
        '<div class="meta">median seconds per iteration of each benchmark, per run of the bench stage · '
        f'baseline JSON: <a href="/api/projects/{name}/baseline?branch=main&amp;stage=bench">main</a></div>'
    )
    if not trends:
        body = section(
            "Benchmarks",
            f'<p class="muted">No run of {esc(project)} has reported benchmarks yet: configure '
            "<code>[tool.shipyard.bench]</code> and run with <code>--report-to</code>.</p>",
        )
    else:
        body = section("Benchmarks", "".join(_trend(t) for t in trends), anchor="benchmarks")
    return page(f"shipyard: {project} benchmarks", header, body)
