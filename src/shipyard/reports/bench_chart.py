"""The run report's benchmark plot: each benchmark's median against the baseline's, inline SVG.

Drawn from the summary's `benchmarks` of a bench stage (reports.summary); each row to its own
scale (benchmarks differ by orders of magnitude), with the change and the gate's verdict beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from shipyard.gates.bench import seconds_text, time_unit
from shipyard.reports.html import LABEL_WIDTH, STATUS_COLOURS, WIDTH, empty_chart, esc, svg_open

if TYPE_CHECKING:
    from collections.abc import Mapping

VERDICT_COLOURS = {
    "regressed": STATUS_COLOURS["failed"],
    "slower": "#e16f24",
    "faster": STATUS_COLOURS["passed"],
    "same": "#0969da",
    "new": "#0969da",
}
BASELINE_COLOUR = "#8c959f"
LEGEND = (
    ("baseline median", BASELINE_COLOUR),
    *((v, VERDICT_COLOURS[v]) for v in ("regressed", "slower", "faster")),
    ("same or new", VERDICT_COLOURS["same"]),
)
ROW = 40
PLOT = WIDTH - LABEL_WIDTH - 290


@dataclass(frozen=True)
class BenchRow:
    """One benchmark as the summary holds it."""

    name: str
    median: float
    baseline_median: float | None
    change: float | None
    verdict: str


def bench_rows(entries: object) -> list[BenchRow]:
    """The well-formed entries of a stage's `benchmarks` (anything else is left out)."""
    if not isinstance(entries, list):
        return []
    rows: list[BenchRow] = []
    for item in cast("list[object]", entries):
        if not isinstance(item, dict):
            continue
        entry = cast("dict[str, object]", item)
        median, base, change = entry.get("median"), entry.get("baseline_median"), entry.get("change")
        if not _seconds(median) or (base is not None and not _seconds(base)):
            continue
        rows.append(
            BenchRow(
                name=str(entry.get("name", "?")),
                median=float(cast("float", median)),
                baseline_median=None if base is None else float(cast("float", base)),
                change=float(change)
                if isinstance(change, (int, float)) and not isinstance(change, bool)
                else None,
                verdict=str(entry.get("verdict", "new")),
            )
        )
    return rows


def _seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _note(row: BenchRow) -> str:
    if row.baseline_median is None:
        return f"{seconds_text(row.median)} · no baseline · new"
    unit = time_unit(max(row.median, row.baseline_median))
    change = "n/a" if row.change is None else f"{row.change:+.0%}"
    medians = f"{seconds_text(row.median, unit)} vs {seconds_text(row.baseline_median, unit)}"
    return f"{medians} · {change} · {row.verdict}"


def bench_chart(rows: list[BenchRow], *, title: str = "benchmark medians against the baseline") -> str:
    """Two bars per benchmark: the baseline's median (grey) and this run's (coloured by verdict)."""
    if not rows:
        return empty_chart("no benchmarks in this run")
    legend_h = 22
    height = legend_h + len(rows) * ROW + 6
    parts = [svg_open(height, title)]
    x = LABEL_WIDTH
    for name, colour in LEGEND:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" rx="2" fill="{colour}"/>'
            f'<text x="{x + 14}" y="13">{esc(name)}</text>'
        )
        x += 24 + 7 * len(name)
    for index, row in enumerate(rows):
        y = legend_h + index * ROW
        top = max(row.median, row.baseline_median or 0.0) or 1.0
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 23}" text-anchor="end">{esc(row.name)}</text>')
        if row.baseline_median is not None:
            width = max(row.baseline_median / top * PLOT, 1.5)
            parts.append(
                f'<rect class="baseline" x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" height="14" '
                f'fill="{BASELINE_COLOUR}"><title>{esc(row.name)}: baseline median '
                f"{esc(seconds_text(row.baseline_median))}</title></rect>"
            )
        colour = VERDICT_COLOURS.get(row.verdict, VERDICT_COLOURS["new"])
        width = max(row.median / top * PLOT, 1.5)
        parts.append(
            f'<rect class="median" x="{LABEL_WIDTH}" y="{y + 20}" width="{width:.1f}" height="14" '
            f'fill="{colour}"><title>{esc(row.name)}: median {esc(seconds_text(row.median))}, '
            f"{esc(row.verdict)}</title></rect>"
            f'<text x="{LABEL_WIDTH + PLOT + 10}" y="{y + 23}">{esc(_note(row))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bench_section(stages: list[Mapping[str, object]]) -> str:
    """The chart of every stage of the summary that has benchmarks; empty when none has."""
    charts = [
        f"<h3><code>{esc(stage.get('id', '?'))}</code></h3>{bench_chart(rows)}"
        for stage in stages
        if (rows := bench_rows(stage.get("benchmarks")))
    ]
    if not charts:
        return ""
    return "".join(charts) + (
        '<p class="muted">each benchmark to its own scale: the baseline\'s median (grey) above this '
        "run's, coloured by the gate's verdict</p>"
    )
