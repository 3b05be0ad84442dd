"""The scan stages' verdict: every scanner part reports separately; the scan gate decides.

A part whose tool could not run (no vulnerability DB on an air-gapped host) is `skipped:` with
the tool's own reason. The stage passes only when every part ran and the gate passed; a failed
gate fails it; otherwise a skipped part makes the stage skipped, never passed.
"""

from __future__ import annotations

import datetime as dt  # noqa: TC003 - a dataclass field type, resolved at runtime by the digest
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.config.models import ScanConfig  # noqa: TC001 - as above
from shipyard.gates.scan import scan_gate
from shipyard.parsers.gitleaks import parse_gitleaks
from shipyard.parsers.trivy import parse_trivy
from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run, last_line, report

if TYPE_CHECKING:
    from shipyard.parsers.findings import Finding
    from shipyard.stages.outcome import StageOutcome


NO_DB_MARKERS = ("vulnerability db", "db error")
MAX_REASON = 160


def why_not_run(tool: str, code: int, line: str) -> str:
    """A short reason a scanner part could not run, from its last error line."""
    if any(marker in line.lower() for marker in NO_DB_MARKERS):
        return f"{tool} has no vulnerability DB and cannot download one here (air-gapped or offline)"
    reason = re.sub(r"^\S*\d{4}-\d\d-\d\dT\S+\s+", "", line)  # drop the tool's timestamp
    reason = re.sub(r"^(FATAL|ERROR)\s+", "", reason)
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return f"{tool} could not run (exit {code}): {reason}"


@dataclass(frozen=True)
class ScanPart:
    """One scanner invocation of a scan stage and the report it writes."""

    label: str
    """The command's label, e.g. `gitleaks`, `vuln`, `secret,misconfig`."""
    report: str
    tool: str
    """`gitleaks` or `trivy`: which parser reads the report."""
    ok_exit_codes: tuple[int, ...] = (0,)
    """Exit codes meaning the tool ran (gitleaks exits 1 when it finds leaks)."""


@dataclass(frozen=True)
class EvaluateScan:
    """Severity threshold, unfixed vulnerabilities and an allowlist with expiry, over every part."""

    config: ScanConfig
    today: dt.date
    parts: tuple[ScanPart, ...]

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge a scan stage."""
        broken = broken_run(outcome, may_fail=tuple(p.label for p in self.parts))
        if broken:
            return broken
        findings: list[Finding] = []
        skipped: list[str] = []
        ran: list[str] = []
        artifacts: list[str] = []
        for part in self.parts:
            code = outcome.exit_code(part.label)
            found = report(outcome, part.report)
            if code is None:
                skipped.append(f"{part.label}: skipped: did not run")
                continue
            if code not in part.ok_exit_codes or found is None:
                command = next(c for c in outcome.commands if c.label == part.label)
                skipped.append(f"{part.label}: skipped: {why_not_run(part.tool, code, last_line(command))}")
                continue
            parsed = (
                parse_gitleaks(found[0], source=found[1])
                if part.tool == "gitleaks"
                else parse_trivy(found[0], source=found[1])
            )
            findings.extend(parsed.findings)
            ran.append(part.label)
            artifacts.append(part.report)
        gate = scan_gate(findings, self.config, today=self.today)
        counts: dict[str, int | float | str] = {
            "findings": len(findings),
            "counted": len(gate.counted),
            "suppressed": len(gate.suppressed),
            "skipped_parts": len(skipped),
        }
        for severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"):
            counts[severity.lower()] = sum(1 for f in findings if f.severity == severity)
        details = (*gate.reasons, *gate.notes, *skipped)
        hidden = {item.finding for item in gate.suppressed}
        result = StageResult(
            status=Status.PASSED,
            summary=gate.summary,
            details=details,
            counts=counts,
            artifacts=tuple(artifacts),
            findings=tuple(f for f in findings if f not in hidden),
            suppressed=gate.suppressed,
        )
        if not gate.passed:
            return replace(result, status=Status.FAILED)
        if skipped:
            ran_text = f"; ran {', '.join(ran)}: {gate.summary}" if ran else ""
            return replace(result, status=Status.SKIPPED, summary=f"{'; '.join(skipped)}{ran_text}")
        return result
