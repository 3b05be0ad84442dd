"""Write a run's reports: summary JSON, Markdown and HTML, merged SARIF, checksums, even on failure.

Every report covers the stages of THIS run (its plan, cache hits included): findings come from the
stages' verdicts, the checksums list the run-level reports and this run's stage folders only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from shipyard.reports.checksums import write_checksums
from shipyard.reports.collect import collect
from shipyard.reports.html import summary_html
from shipyard.reports.markdown import summary_markdown
from shipyard.reports.sarif import dumps_sarif, sarif_log
from shipyard.reports.stage_dirs import project_stage_ids, remove_stale

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.config.load import Project
    from shipyard.plan.graph import PlanContext
    from shipyard.runner import RunState

SUMMARY_JSON = "summary.json"
SUMMARY_MD = "summary.md"
SARIF = "shipyard.sarif"
REPORT_HTML = "report.html"
RUN_REPORTS = (SUMMARY_JSON, SUMMARY_MD, REPORT_HTML, SARIF)
"""The run-level reports, beside the stages' folders."""


def write_reports(
    out_root: Path, data: dict[str, object], *, state: RunState, project: Project, context: PlanContext
) -> list[Path]:
    """Write every run-level report of `state`'s run (`data` is its summary) into `out_root`."""
    out_root.mkdir(parents=True, exist_ok=True)
    remove_stale(out_root, project_stage_ids(project, context), marker=SUMMARY_JSON)
    findings, suppressed = collect(state)
    summary = out_root / SUMMARY_JSON
    summary.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    markdown = out_root / SUMMARY_MD
    markdown.write_text(summary_markdown(data), encoding="utf-8")
    report = out_root / REPORT_HTML
    report.write_text(summary_html(data), encoding="utf-8")
    sarif = out_root / SARIF
    sarif.write_text(
        dumps_sarif(sarif_log(findings, suppressed=suppressed, root=str(project.root))), encoding="utf-8"
    )
    checksums = write_checksums(out_root, include=(*RUN_REPORTS, *state.runs))
    return [summary, markdown, report, sarif, checksums]
