"""The run summary as Markdown, for a GitHub job summary or a terminal pager."""

from __future__ import annotations

from typing import cast

ICONS = {
    "passed": "✅",
    "failed": "❌",
    "error": "💥",
    "skipped": "⏭️",
    "n/a": "—",
    "interrupted": "⏹️",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(data: dict[str, object]) -> str:
    """Render `summary_data` output: a verdict line, a table of stages, then the details."""
    project = cast("dict[str, str]", data["project"])
    stages = cast("list[dict[str, object]]", data["stages"])
    verdict = "passed" if data["ok"] else "failed"
    lines = [
        f"## shipyard: {project['name']} {project['version']} — {verdict}",
        "",
        f"{len(stages)} stage(s) in {data['seconds']} s on the {data['executor']} executor.",
    ]
    if data.get("error"):
        lines += ["", f"**Error:** {_cell(str(data['error']))}"]
    lines += ["", "| stage | status | time | cache | result |", "|---|---|---|---|---|"]
    for stage in stages:
        status = str(stage["status"])
        cached = "hit" if stage["cached"] else ""
        lines.append(
            f"| `{stage['id']}` | {ICONS.get(status, '')} {status} | {stage['seconds']} s | {cached} | "
            f"{_cell(str(stage['summary']))} |"
        )
    noteworthy = [s for s in stages if s["details"]]
    if noteworthy:
        lines += ["", "### Details", ""]
        for stage in noteworthy:
            lines.append(f"**{stage['id']}**")
            lines += [f"- {_cell(str(d))}" for d in cast("list[str]", stage["details"])[:20]]
            lines.append("")
    stand_ins = cast("list[str]", data.get("stand_ins") or [])
    if stand_ins:
        lines += ["", "Seeded local stand-ins were used for these pinned images (air-gapped engine):", ""]
        lines += [f"- `{ref}`" for ref in stand_ins]
    return "\n".join(lines).rstrip() + "\n"
