"""Charts over time for the history pages, drawn with the run report's SVG helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.reports.html import FONT, axis_ticks, empty_chart, esc, number, svg_open

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shipyard.serve.stats import StageTrend


@dataclass(frozen=True)
class Series:
    """One line: a value per x position (None where the run had none)."""

    name: str
    colour: str
    values: tuple[float | None, ...]


def line_chart(
    series: Sequence[Series], *, labels: Sequence[str], title: str, unit: str = "", width: int = 880
) -> str:
    """Lines over runs (x = run order, labelled with `labels` at both ends), with a legend."""
    points = [v for s in series for v in s.values if v is not None]
    if not points or not labels:
        return empty_chart(f"no data for {title}")
    height, left, right, top_pad, bottom = 220, 48, 16, 26, 36
    ticks = axis_ticks(max(points))
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def y_of(value: float) -> float:
        return top_pad + plot_h - value / ticks[-1] * plot_h

    parts = [svg_open(height, title, width=width)]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="axis" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{number(tick)}{unit}</text>'
        )
    parts.append(
        f'<text class="tick" x="{left}" y="{height - 10}">{esc(labels[0])}</text>'
        f'<text class="tick" x="{width - right}" y="{height - 10}" text-anchor="end">{esc(labels[-1])}</text>'
    )
    x = left
    for s in series:
        parts.append(
            f'<rect x="{x}" y="6" width="10" height="10" rx="2" fill="{s.colour}"/>'
            f'<text x="{x + 14}" y="15">{esc(s.name)}</text>'
        )
        x += 26 + 7 * len(s.name)
        coords = [(left + i * step, y_of(v), v) for i, v in enumerate(s.values) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy, _ in coords)
            parts.append(
                f'<polyline class="series" fill="none" stroke="{s.colour}" stroke-width="2" points="{path}"/>'
            )
        parts.extend(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{s.colour}">'
            f"<title>{esc(s.name)}: {number(v)}{esc(unit)}</title></circle>"
            for cx, cy, v in coords
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(trend: StageTrend, *, width: int = 300, height: int = 54) -> str:
    """A stage's executed durations, with its P50 (dotted) and P95 (dashed); a regression in red."""
    values = [s for _, s in trend.durations]
    if not values:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="no executed runs" style="{FONT}">'
            f'<text class="tick" x="4" y="{height / 2 + 4}">'
            "no timed runs (cache hits, errors or skips only)</text></svg>"
        )
    top = max([*values, trend.p95 or 0, 0.001]) * 1.1
    pad = 4
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def y_of(value: float) -> float:
        return height - pad - value / top * (height - 2 * pad)

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{esc(trend.stage)} durations" style="{FONT}">'
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f8fa" rx="4"/>'
        )
    ]
    for value, dash, name in ((trend.p50, "2 3", "P50"), (trend.p95, "6 3", "P95")):
        if value is not None:
            y = y_of(value)
            parts.append(
                f'<line x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" stroke="#8c959f" '
                f'stroke-dasharray="{dash}"><title>{name} {number(round(value, 2))} s</title></line>'
            )
    coords = [(pad + i * step, y_of(v), v) for i, v in enumerate(values)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in coords)
        parts.append(f'<polyline fill="none" stroke="#0969da" stroke-width="1.5" points="{path}"/>')
    last = len(coords) - 1
    for i, (x, y, v) in enumerate(coords):
        colour = "#cf222e" if i == last and trend.regression else "#0969da"
        radius = 3.5 if i == last else 2
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}">'
            f"<title>{number(round(v, 2))} s</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
