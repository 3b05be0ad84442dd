"""The scan gate: severity threshold, unfixed vulnerabilities, allowlist entries with an expiry date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.config.models import SEVERITIES
from shipyard.gates.result import GateResult, SuppressedFinding, count_by

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from shipyard.config.models import AllowlistEntry, ScanConfig
    from shipyard.parsers.findings import Finding


def scan_gate(findings: Iterable[Finding], config: ScanConfig, *, today: dt.date) -> GateResult:
    """Judge the scanners' findings against `config`, with `today` deciding which allowlist entries hold.

    A finding counts when it is a secret (whatever its severity) or at or above `config.severity`,
    unless it is a vulnerability without a fix and `ignore_unfixed` is set, or an allowlist entry
    with its id has not expired (an entry stops suppressing ON its expiry date).
    """
    threshold = SEVERITIES.index(config.severity)
    active = {entry.id: entry for entry in config.allowlist if today < entry.expires}
    expired = {
        entry.id: entry for entry in config.allowlist if today >= entry.expires and entry.id not in active
    }
    counted: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    below = unfixed = 0
    matched: set[str] = set()
    for finding in findings:
        if finding.id in active:
            matched.add(finding.id)
            suppressed.append(SuppressedFinding(finding=finding, entry=active[finding.id]))
        elif finding.kind != "secret" and SEVERITIES.index(finding.severity) < threshold:
            below += 1
        elif config.ignore_unfixed and finding.kind == "vulnerability" and finding.fixed_version is None:
            unfixed += 1
        else:
            matched.add(finding.id)
            counted.append(finding)
    notes = [*_expiry_notes(expired.values(), matched), *_unused_notes(active.values(), matched)]
    reasons = [
        f"{f.tool}: {f.kind} {f.id} ({f.severity}) at {f.location}: {f.title}"
        + (f"; fixed in {f.fixed_version}" if f.fixed_version else "")
        for f in counted
    ]
    ignored = [f"{below} below {config.severity}"] if below else []
    ignored += [f"{unfixed} unfixed ignored"] if unfixed else []
    ignored += [f"{len(suppressed)} allowlisted"] if suppressed else []
    tail = f" ({', '.join(ignored)})" if ignored else ""
    if counted:
        summary = f"scan failed: {len(counted)} finding(s) at or above {config.severity} or secrets "
        summary += f"[{count_by(f.severity for f in counted)}]{tail}"
    else:
        summary = f"scan passed: no findings at or above {config.severity} and no secrets{tail}"
    return GateResult(
        gate="scan",
        passed=not counted,
        summary=summary,
        reasons=tuple(reasons),
        counted=tuple(counted),
        suppressed=tuple(suppressed),
        notes=tuple(notes),
    )


def _expiry_notes(expired: Iterable[AllowlistEntry], matched: set[str]) -> list[str]:
    return [
        f"allowlist entry {entry.id} expired on {entry.expires.isoformat()}: no longer suppressed"
        if entry.id in matched
        else f"allowlist entry {entry.id} expired on {entry.expires.isoformat()} and matches nothing: "
        "remove it"
        for entry in expired
    ]


def _unused_notes(active: Iterable[AllowlistEntry], matched: set[str]) -> list[str]:
    return [
        f"allowlist entry {entry.id} (until {entry.expires.isoformat()}) matches no finding: "
        "consider removing it"
        for entry in active
        if entry.id not in matched
    ]
