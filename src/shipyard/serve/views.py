"""Server-rendered HTML pages of the run history (pure: data in, HTML out)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from shipyard.reports.html import SEVERITY_COLOURS, STATUS_COLOURS, esc, number, page, section
from shipyard.serve.charts import Series, line_chart, sparkline
from shipyard.serve.stats import SEVERITIES, vulnerabilities

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shipyard.serve.stats import BranchStats, ProjectStats

HEADER = '<h1><a href="/" style="text-decoration:none">shipyard</a> · run history</h1>'


def _verdict(ok: object) -> str:
    if not isinstance(ok, bool):
        return '<span class="muted">—</span>'
    name = "passed" if ok else "failed"
    return f'<span class="dot" style="background:{STATUS_COLOURS[name]}"></span>{name}'


def index_page(projects: Sequence[dict[str, object]]) -> str:
    """The list of projects."""
    if not projects:
        body = section(
            "Projects",
            '<p class="muted">No runs yet. Send one with <code>shipyard run --report-to URL</code> '
            "or <code>POST /api/runs</code>.</p>",
        )
    else:
        rows = "".join(
            f'<tr><td><a href="/projects/{quote(str(p["name"]))}">{esc(p["name"])}</a></td>'
            f'<td class="num">{esc(p["runs"])}</td><td class="num">{esc(p["branches"])}</td>'
            f"<td>{esc(p['last_run'])}</td><td>{_verdict(p.get('last_ok'))}</td></tr>"
            for p in projects
        )
        body = section(
            "Projects",
            '<table><thead><tr><th>project</th><th class="num">runs</th><th class="num">branches</th>'
            f"<th>last run</th><th>last verdict</th></tr></thead><tbody>{rows}</tbody></table>",
        )
    return page("shipyard: run history", HEADER, body)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{number(round(value, 2))} s"


def _stage_table(branch: BranchStats) -> str:
    rows: list[str] = []
    for trend in branch.stages:
        flag = '<span class="flag">REGRESSION</span>' if trend.regression else ""
        rows.append(
            f"<tr><td><code>{esc(trend.stage)}</code> {flag}</td><td>{sparkline(trend)}</td>"
            f'<td class="num">{len(trend.durations)}</td><td class="num">{_seconds(trend.p50)}</td>'
            f'<td class="num">{_seconds(trend.p95)}</td><td class="num">{_seconds(trend.latest)}</td>'
            f'<td class="num">{_rate(trend.cache_hit_rate)}</td></tr>'
        )
    return (
        '<table class="stages"><thead><tr><th>stage</th><th>duration per executed run</th>'
        '<th class="num">runs</th><th class="num">P50</th><th class="num">P95</th>'
        '<th class="num">latest</th><th class="num">cache hits</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="muted">dotted line: P50 · dashed line: P95 · red point: latest run is a regression</p>'
    )


def _labels(branch: BranchStats) -> list[str]:
    return [f"#{r.id} {r.started:%Y-%m-%d %H:%M}" for r in branch.runs]


def _run_chart(branch: BranchStats) -> str:
    series = [
        Series("passed", STATUS_COLOURS["passed"], tuple(r.seconds if r.ok else None for r in branch.runs)),
        Series("failed", STATUS_COLOURS["failed"], tuple(None if r.ok else r.seconds for r in branch.runs)),
    ]
    return line_chart(series, labels=_labels(branch), title="run duration", unit=" s")


def _vulnerability_chart(branch: BranchStats) -> str:
    counts = [vulnerabilities(r) for r in branch.runs]
    series = [
        Series(
            severity, SEVERITY_COLOURS[severity], tuple(None if c is None else c[severity] for c in counts)
        )
        for severity in SEVERITIES
    ]
    return line_chart(series, labels=_labels(branch), title="vulnerabilities by severity")


def _branch(branch: BranchStats, margin: float) -> str:
    ok = sum(1 for r in branch.runs if r.ok)
    regressions = branch.regressions
    alert = (
        f'<p class="flag">REGRESSION: {esc(", ".join(regressions))} — latest duration more than '
        f"{margin * 100:.0f}% above the recent P95</p>"
        if regressions
        else ""
    )
    return section(
        f"branch {branch.branch}",
        f'<p class="muted">{len(branch.runs)} run(s), {ok} passed</p>'
        + alert
        + "<h3>Run duration</h3>"
        + _run_chart(branch)
        + "<h3>Stages</h3>"
        + _stage_table(branch)
        + "<h3>Vulnerabilities over time</h3>"
        + _vulnerability_chart(branch),
        anchor=f"branch-{branch.branch}",
    )


def _flaky(stats: ProjectStats) -> str:
    if not stats.flaky:
        return '<p class="muted">No stage both passed and failed on the same inputs.</p>'
    rows = "".join(
        f"<tr><td><code>{esc(f.stage)}</code></td><td><code>{esc(f.digest[:16])}</code></td>"
        f'<td class="num">{f.passed}</td><td class="num">{f.failed}</td>'
        f"<td>{esc(', '.join(f'#{r}' for r in f.runs[-10:]))}</td></tr>"
        for f in stats.flaky
    )
    return (
        '<table><thead><tr><th>stage</th><th>input digest</th><th class="num">passed</th>'
        f'<th class="num">failed</th><th>runs</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def project_page(stats: ProjectStats) -> str:
    """A project's history: per branch, then its flaky stages."""
    name = quote(stats.project)
    header = (
        f'<h1><a href="/" style="text-decoration:none">shipyard</a> · {esc(stats.project)}</h1>'
        f'<div class="meta">{sum(len(b.runs) for b in stats.branches)} run(s) on {len(stats.branches)} '
        f"branch(es) · regression margin {stats.settings.margin * 100:.0f}% over the P95 of the last "
        f'{stats.settings.window} executed runs · <a href="/api/projects/{name}/stats">JSON</a> · '
        f'<a href="/projects/{name}/benchmarks">benchmarks</a></div>'
    )
    body = "".join(_branch(b, stats.settings.margin) for b in stats.branches) + section(
        "Flaky stages", _flaky(stats), anchor="flaky"
    )
    return page(f"shipyard: {stats.project}", header, body)


def message_page(title: str, message: str) -> str:
    """A page that only says something (not found, database down)."""
    return page(f"shipyard: {title}", HEADER, section(title, f"<p>{esc(message)}</p>"))
