"""The run summary as one self-contained HTML page: inline CSS and inline SVG charts, nothing fetched.

Pure: `summary_html(data)` takes `summary_data` output and returns the page. The chart helpers
(`bar_chart`, `timeline_chart`, `axis_ticks`, the colours and `page`) are shared with the
run-history service (`shipyard serve`), which draws its own pages with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

STATUS_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "error": "#8250df",
    "skipped": "#8c959f",
    "n/a": "#c8ced6",
    "interrupted": "#bf8700",
}
SEVERITY_COLOURS = {
    "critical": "#7d0f12",
    "high": "#cf222e",
    "medium": "#e16f24",
    "low": "#d4a72c",
    "unknown": "#8c959f",
}
SEVERITIES = ("critical", "high", "medium", "low", "unknown")
PALETTE = ("#0969da", "#1a7f37", "#bf3989", "#e16f24", "#8250df", "#1b7c83", "#9a6700", "#57606a")

WIDTH = 880
LABEL_WIDTH = 170
ROW = 24
FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px"

CSS = """
:root { color-scheme: light; --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --card:#fff; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
       font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
header { background:#24292f; color:#fff; padding:18px 32px; }
header h1 { margin:0; font-size:20px; font-weight:600; }
header .meta { color:#c9d1d9; font-size:13px; margin-top:4px; }
header a { color:#fff; }
main { max-width:960px; margin:0 auto; padding:20px 16px 48px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 18px;
          margin:0 0 16px; }
section h2 { margin:0 0 10px; font-size:15px; font-weight:600; }
.badge { display:inline-block; padding:1px 9px; border-radius:12px; color:#fff; font-size:12px;
         font-weight:600; vertical-align:middle; margin-left:8px; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td:first-child { white-space:nowrap; }
.dot { display:inline-block; width:9px; height:9px; border-radius:50%; margin-right:6px; }
.muted { color:var(--muted); }
.flag { color:#cf222e; font-weight:600; }
details summary { cursor:pointer; color:var(--muted); }
svg { display:block; max-width:100%; height:auto; }
svg text { fill:#1f2328; }
svg .axis { stroke:#d1d9e0; }
svg .tick { fill:#59636e; }
"""


def esc(value: object) -> str:
    """Text escaped for HTML and SVG (attributes included)."""
    return escape(str(value), quote=True)


def number(value: float) -> str:
    """A number without a pointless `.0`."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def axis_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top` (1-2-5 steps)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def empty_chart(message: str, *, height: int = 48) -> str:
    """An SVG that says there is nothing to draw (every chart is an <svg>, also without data)."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-label="{esc(message)}" style="{FONT}">'
        f'<text x="{WIDTH / 2}" y="{height / 2 + 4}" text-anchor="middle" class="tick">{esc(message)}</text>'
        "</svg>"
    )


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar."""

    value: float
    colour: str
    name: str


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart: a label and stacked segments."""

    label: str
    segments: tuple[Segment, ...]
    note: str = ""
    """Text right of the bar (defaults to the total)."""


def bar_chart(bars: Sequence[Bar], *, unit: str = "", title: str, empty: str = "no data") -> str:
    """Horizontal (stacked) bars with labels, an axis and a legend."""
    if not bars or all(s.value <= 0 for b in bars for s in b.segments):
        return empty_chart(empty)
    top = max(sum(s.value for s in b.segments) for b in bars)
    ticks = axis_ticks(top)
    plot = WIDTH - LABEL_WIDTH - 210
    scale = plot / ticks[-1]
    names = list(dict.fromkeys((s.name, s.colour) for b in bars for s in b.segments))
    legend_h = 20 if len(names) > 1 else 0
    height = legend_h + len(bars) * ROW + 26
    parts = [svg_open(height, title)]
    x = LABEL_WIDTH
    for name, colour in names if legend_h else []:
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" rx="2" fill="{colour}"/>'
            f'<text x="{x + 14}" y="13">{esc(name)}</text>'
        )
        x += 24 + 7 * len(name)
    for tick in ticks:
        tx = LABEL_WIDTH + tick * scale
        parts.append(
            f'<line class="axis" x1="{tx:.1f}" x2="{tx:.1f}" y1="{legend_h}" '
            f'y2="{legend_h + len(bars) * ROW}"/>'
            f'<text class="tick" x="{tx:.1f}" y="{height - 8}" text-anchor="middle">{number(tick)}</text>'
        )
    for row, bar in enumerate(bars):
        y = legend_h + row * ROW
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{esc(bar.label)}</text>')
        x = float(LABEL_WIDTH)
        for seg in bar.segments:
            if seg.value <= 0:
                continue
            w = max(seg.value * scale, 1.5)
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW - 8}" fill="{seg.colour}">'
                f"<title>{esc(bar.label)}: {number(seg.value)}{esc(unit)} {esc(seg.name)}</title></rect>"
            )
            x += w
        note = bar.note or f"{number(sum(s.value for s in bar.segments))}{unit}"
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 16}">{esc(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Span:
    """One stage on the timeline."""

    label: str
    start: float
    seconds: float
    status: str
    cached: bool = False
    detail: str = ""


def timeline_chart(spans: Sequence[Span], *, title: str = "stage timeline") -> str:
    """A Gantt chart: a bar per stage from its start offset for its duration, coloured by status."""
    if not spans:
        return empty_chart("no stages")
    end = max(0.001, *(s.start + s.seconds for s in spans))
    ticks = axis_ticks(end, count=8)
    plot = WIDTH - LABEL_WIDTH - 80
    scale = plot / ticks[-1]
    height = len(spans) * ROW + 26
    parts = [svg_open(height, title)]
    for tick in ticks:
        tx = LABEL_WIDTH + tick * scale
        parts.append(
            f'<line class="axis" x1="{tx:.1f}" x2="{tx:.1f}" y1="0" y2="{len(spans) * ROW}"/>'
            f'<text class="tick" x="{tx:.1f}" y="{height - 8}" text-anchor="middle">{number(tick)} s</text>'
        )
    for row, span in enumerate(spans):
        y = row * ROW
        colour = STATUS_COLOURS.get(span.status, "#57606a")
        x = LABEL_WIDTH + span.start * scale
        w = max(span.seconds * scale, 3)
        tip = (
            f"{span.label}: {span.status}{' (cache hit)' if span.cached else ''}, "
            f"{number(span.seconds)} s from +{number(span.start)} s"
        )
        if span.detail:
            tip += f" — {span.detail}"
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{esc(span.label)}</text>'
            f'<rect class="span" x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW - 8}" rx="3" '
            + (
                f'fill="#fff" stroke="{colour}" stroke-width="2" stroke-dasharray="4 2">'
                if span.cached
                else f'fill="{colour}">'
            )
            + f"<title>{esc(tip)}</title></rect>"
        )
        note = f"{number(span.seconds)} s" + (" · cache hit" if span.cached else "")
        parts.append(f'<text class="tick" x="{x + w + 6:.1f}" y="{y + 16}">{esc(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_open(height: float, title: str, *, width: int = WIDTH) -> str:
    """The opening <svg> tag of a chart, with its accessible title."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{esc(title)}" style="{FONT}"><title>{esc(title)}</title>'
    )


def legend(items: Iterable[tuple[str, str]]) -> str:
    """A one-line HTML legend of colour dots."""
    return " ".join(
        f'<span class="muted"><span class="dot" style="background:{colour}"></span>{esc(name)}</span>'
        for name, colour in items
    )


def page(title: str, header: str, body: str) -> str:
    """A whole HTML document with the shared stylesheet inlined."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body><header>{header}</header><main>{body}</main></body></html>\n"
    )


def section(title: str, content: str, *, anchor: str = "") -> str:
    """A card with a heading."""
    ident = f' id="{esc(anchor)}"' if anchor else ""
    return f"<section{ident}><h2>{esc(title)}</h2>{content}</section>"


# ------------------------------------------------------------------ the run report


@dataclass(frozen=True)
class _Stage:
    id: str
    group: str
    status: str
    summary: str
    seconds: float
    offset: float | None
    cached: bool
    counts: Mapping[str, object] = field(default_factory=dict[str, object])
    details: tuple[str, ...] = ()


def _num(value: object) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return 0.0


def _stages(data: Mapping[str, object]) -> list[_Stage]:
    raw = data.get("stages")
    if not isinstance(raw, list):
        return []
    stages: list[_Stage] = []
    for item in cast("list[object]", raw):
        if not isinstance(item, dict):
            continue
        entry = cast("dict[str, object]", item)
        counts = entry.get("counts")
        details = entry.get("details")
        offset = entry.get("started_offset")
        stages.append(
            _Stage(
                id=str(entry.get("id", "?")),
                group=str(entry.get("group", "")),
                status=str(entry.get("status", "?")),
                summary=str(entry.get("summary", "")),
                seconds=_num(entry.get("seconds", 0)),
                offset=None if offset is None else _num(offset),
                cached=bool(entry.get("cached")),
                counts=cast("dict[str, object]", counts) if isinstance(counts, dict) else {},
                details=tuple(str(d) for d in cast("list[object]", details))
                if isinstance(details, list)
                else (),
            )
        )
    return stages


def _timeline(stages: list[_Stage]) -> str:
    spans = [
        Span(s.id, s.offset, s.seconds, s.status, s.cached, s.summary) for s in stages if s.offset is not None
    ]
    not_run = [s.id for s in stages if s.offset is None]
    chart = timeline_chart(spans)
    keys = legend([*((k, STATUS_COLOURS[k]) for k in ("passed", "failed", "error", "skipped"))])
    keys += ' <span class="muted">· dashed outline: cache hit (did not run)</span>'
    tail = f'<p class="muted">not started: {esc(", ".join(not_run))}</p>' if not_run else ""
    return chart + f"<p>{keys}</p>" + tail


def _tests(stages: list[_Stage]) -> str:
    bars = [
        Bar(
            label=f"Python {s.id.removeprefix('test-')}" if s.id.startswith("test-") else s.id,
            segments=(
                Segment(_num(s.counts.get("passed", 0)), STATUS_COLOURS["passed"], "passed"),
                Segment(_num(s.counts.get("failed", 0)), STATUS_COLOURS["failed"], "failed"),
                Segment(_num(s.counts.get("errors", 0)), STATUS_COLOURS["error"], "errors"),
                Segment(_num(s.counts.get("skipped", 0)), STATUS_COLOURS["skipped"], "skipped"),
            ),
            note=_test_note(s.counts),
        )
        for s in stages
        if s.group == "test" and "tests" in s.counts
    ]
    return bar_chart(bars, title="tests per Python version", empty="no test results in this run")


def _test_note(counts: Mapping[str, object]) -> str:
    note = f"{number(_num(counts.get('passed', 0)))}/{number(_num(counts.get('tests', 0)))} passed"
    if "coverage" in counts:
        note += f" · coverage {number(_num(counts['coverage']))}%"
    return note


def _findings(stages: list[_Stage]) -> str:
    scans = [s for s in stages if s.group == "scan" and any(k in s.counts for k in SEVERITIES)]
    bars = [
        Bar(
            label=severity,
            segments=tuple(
                Segment(_num(s.counts.get(severity, 0)), PALETTE[i % len(PALETTE)], s.id)
                for i, s in enumerate(scans)
            ),
        )
        for severity in SEVERITIES
    ]
    empty = (
        f"no findings: {len(scans)} scan stage(s) reported zero at every severity"
        if scans
        else "no scan results in this run"
    )
    return bar_chart(bars, title="findings by severity", empty=empty)


def _sbom(stages: list[_Stage]) -> str:
    bars = [
        Bar(
            label=s.id,
            segments=(
                Segment(_num(s.counts.get("python_packages", 0)), PALETTE[0], "Python packages"),
                Segment(
                    _num(s.counts.get("packages", 0)) - _num(s.counts.get("python_packages", 0)),
                    PALETTE[5],
                    "other packages",
                ),
            ),
            note=f"{number(_num(s.counts.get('packages', 0)))} packages",
        )
        for s in stages
        if "packages" in s.counts
    ]
    return bar_chart(bars, title="SBOM package count", empty="no SBOM in this run")


def _sizes(stages: list[_Stage]) -> str:
    bars = [
        Bar(
            label=str(s.counts.get("platform", s.id)),
            segments=(Segment(round(_num(s.counts["size_bytes"]) / 1e6, 1), PALETTE[0], "MB"),),
            note=f"{_num(s.counts['size_bytes']) / 1e6:.1f} MB",
        )
        for s in stages
        if "size_bytes" in s.counts
    ]
    return bar_chart(bars, unit=" MB", title="image size per platform", empty="no image built in this run")


def _table(stages: list[_Stage]) -> str:
    rows = "".join(
        f'<tr><td><span class="dot" style="background:{STATUS_COLOURS.get(s.status, "#57606a")}"></span>'
        f"<code>{esc(s.id)}</code></td><td>{esc(s.status)}</td>"
        f'<td class="num">{number(s.seconds)} s</td><td>{"hit" if s.cached else ""}</td>'
        f"<td>{esc(s.summary)}"
        + (
            f"<details><summary>{len(s.details)} detail(s)</summary><ul>"
            + "".join(f"<li>{esc(d)}</li>" for d in s.details[:50])
            + "</ul></details>"
            if s.details
            else ""
        )
        + "</td></tr>"
        for s in stages
    )
    return (
        '<table><thead><tr><th>stage</th><th>status</th><th class="num">time</th><th>cache</th>'
        f"<th>result</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _benchmarks(data: Mapping[str, object]) -> str:
    """The bench stages' plot (reports.bench_chart), empty when no stage has benchmarks."""
    from shipyard.reports.bench_chart import bench_section  # noqa: PLC0415 - it draws with this module

    raw = data.get("stages")
    items = cast("list[object]", raw) if isinstance(raw, list) else []
    return bench_section([cast("dict[str, object]", e) for e in items if isinstance(e, dict)])


def summary_html(data: Mapping[str, object]) -> str:
    """Render `summary_data` output as a self-contained HTML page."""
    project = cast("dict[str, object]", data.get("project") or {})
    git = cast("dict[str, object]", data.get("git") or {})
    stages = _stages(data)
    ok = bool(data.get("ok"))
    name = str(project.get("name", "?"))
    badge_colour = STATUS_COLOURS["passed" if ok else "failed"]
    sha = str(git.get("sha") or "no git")[:12]
    ref = str(git.get("ref") or "detached").removeprefix("refs/heads/")
    header = (
        f"<h1>shipyard · {esc(name)} {esc(project.get('version', ''))}"
        f'<span class="badge" style="background:{badge_colour}">{"passed" if ok else "failed"}</span></h1>'
        f'<div class="meta">{esc(ref)} @ {esc(sha)}{" (dirty)" if git.get("dirty") else ""} · '
        f"started {esc(data.get('started', '?'))} · {number(_num(data.get('seconds', 0)))} s · "
        f"{len(stages)} stage(s) on the {esc(data.get('executor', '?'))} executor</div>"
    )
    error = data.get("error")
    benchmarks = _benchmarks(data)
    body = (f'<section><p class="flag">Error: {esc(error)}</p></section>' if error else "") + "".join(
        (
            section("Stage timeline", _timeline(stages), anchor="timeline"),
            section("Tests per Python version", _tests(stages), anchor="tests"),
            section("Findings by severity", _findings(stages), anchor="findings"),
            section("SBOM packages", _sbom(stages), anchor="sbom"),
            section("Image size per platform", _sizes(stages), anchor="sizes"),
            section("Benchmarks", benchmarks, anchor="benchmarks") if benchmarks else "",
            section("Stages", _table(stages), anchor="stages"),
        )
    )
    return page(f"shipyard: {name}", header, body)
