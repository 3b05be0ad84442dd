"""Write a run's reports: summary JSON, Markdown and HTML, merged SARIF, checksums, even on failure."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from shipyard.reports.checksums import write_checksums
from shipyard.reports.collect import collect
from shipyard.reports.html import summary_html
from shipyard.reports.markdown import summary_markdown
from shipyard.reports.sarif import dumps_sarif, sarif_log

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from shipyard.config.models import ScanConfig

SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
SARIF = "shipyard.sarif"
REPORT_HTML = "report.html"


def write_reports(
    out_root: Path, data: dict[str, object], *, scan: ScanConfig, today: dt.date, root: Path
) -> list[Path]:
    """Write every run-level report into `out_root`; return their paths."""
    out_root.mkdir(parents=True, exist_ok=True)
    findings, suppressed, unreadable = collect(out_root, scan=scan, today=today)
    if unreadable:
        data = {**data, "unreadable_reports": unreadable}
    summary = out_root / SUMMARY_JSON
    summary.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    markdown = out_root / SUMMARY_MD
    markdown.write_text(summary_markdown(data), encoding="utf-8")
    report = out_root / REPORT_HTML
    report.write_text(summary_html(data), encoding="utf-8")
    sarif = out_root / SARIF
    sarif.write_text(
        dumps_sarif(sarif_log(findings, suppressed=suppressed, root=str(root))), encoding="utf-8"
    )
    checksums = write_checksums(out_root)
    return [summary, markdown, report, sarif, checksums]
