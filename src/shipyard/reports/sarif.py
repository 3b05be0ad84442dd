"""One SARIF 2.1.0 log from many tools' findings, for GitHub code scanning.

SARIF carries everything, allowlisted findings too (as suppressed results): the gate decides the
exit status, code scanning shows the whole picture. One run per tool, each with its rules; every
result has a physical location (GitHub requires `artifactLocation.uri` and `region.startLine`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

from shipyard.config.models import SEVERITIES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from shipyard.config.models import Severity
    from shipyard.gates.result import SuppressedFinding
    from shipyard.parsers.findings import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
Level = Literal["error", "warning", "note", "none"]
Json = dict[str, object]

LEVELS: Mapping[Severity, Level] = {
    "CRITICAL": "error",
    "HIGH": "error",
    "MEDIUM": "warning",
    "LOW": "note",
    "UNKNOWN": "note",
}
"""SARIF level per severity."""
SECURITY_SEVERITY: Mapping[Severity, str] = {
    "CRITICAL": "9.5",
    "HIGH": "8.0",
    "MEDIUM": "5.5",
    "LOW": "2.0",
    "UNKNOWN": "0.0",
}
"""GitHub's `security-severity` scores (≥9 critical, ≥7 high, ≥4 medium, >0 low), as Trivy sets them."""
TOOLS: Mapping[str, tuple[str, str]] = {
    "trivy": ("Trivy", "https://github.com/aquasecurity/trivy"),
    "gitleaks": ("gitleaks", "https://github.com/gitleaks/gitleaks"),
    "ruff": ("Ruff", "https://github.com/astral-sh/ruff"),
    "pytest": ("pytest", "https://pytest.org"),
}
"""Display name and information URI of the tools shipyard knows; others use their own name."""
_SECURITY_KINDS = frozenset({"vulnerability", "misconfiguration", "secret"})


def sarif_log(
    findings: Iterable[Finding],
    *,
    suppressed: Iterable[SuppressedFinding] = (),
    tool_versions: Mapping[str, str] | None = None,
    root: str | None = None,
) -> Json:
    """Build the SARIF log: one run per tool (sorted by tool), results in the order given.

    `root` is the checkout's absolute path: absolute paths under it become repository-relative
    (GitHub matches alerts to files by relative path).
    """
    reasons = {item.finding: item for item in suppressed}
    by_tool: dict[str, list[Finding]] = {}
    for finding in dict.fromkeys([*findings, *reasons]):  # each finding once, first occurrence first
        by_tool.setdefault(finding.tool, []).append(finding)
    runs = [
        _run(tool, by_tool[tool], reasons, (tool_versions or {}).get(tool), root) for tool in sorted(by_tool)
    ]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def dumps_sarif(log: Json) -> str:
    """Serialize a log the way it is uploaded: stable key order, two-space indent, trailing newline."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _run(
    tool: str,
    findings: list[Finding],
    reasons: Mapping[Finding, SuppressedFinding],
    version: str | None,
    root: str | None,
) -> Json:
    rule_ids = list(dict.fromkeys(f.id for f in findings))
    name, uri = TOOLS.get(tool, (tool, "https://github.com/search?q=" + quote(tool)))
    driver: Json = {"name": name, "informationUri": uri}
    if version:
        driver["version"] = version
    driver["rules"] = [_rule(rule_id, [f for f in findings if f.id == rule_id]) for rule_id in rule_ids]
    results = [_result(f, rule_ids.index(f.id), reasons.get(f), root) for f in findings]
    return {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}


def _worst(findings: list[Finding]) -> Severity:
    return max(findings, key=lambda f: SEVERITIES.index(f.severity)).severity


def _rule(rule_id: str, findings: list[Finding]) -> Json:
    first = findings[0]
    severity = _worst(findings)
    tags = [first.kind, *(["security"] if first.kind in _SECURITY_KINDS else [])]
    properties: Json = {"tags": tags}
    if first.kind in _SECURITY_KINDS:
        properties["security-severity"] = SECURITY_SEVERITY[severity]
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": first.title},
        "fullDescription": {"text": first.title},
        "help": {"text": f"{first.tool} {first.kind} {rule_id} ({severity}): {first.title}"},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": properties,
    }


def _result(
    finding: Finding, rule_index: int, suppression: SuppressedFinding | None, root: str | None
) -> Json:
    message = f"{finding.title} [{finding.severity}] at {finding.location}"
    if finding.fixed_version:
        message += f"; fixed in {finding.fixed_version}"
    result: Json = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [_location(finding, root)],
        "partialFingerprints": {"shipyardFinding/v1": _fingerprint(finding)},
        "properties": {"severity": finding.severity, "kind": finding.kind},
    }
    if suppression is not None:
        entry = suppression.entry
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{entry.reason} (shipyard allowlist until {entry.expires.isoformat()})",
            }
        ]
    return result


def _location(finding: Finding, root: str | None) -> Json:
    artifact: Json = {"uri": _uri(finding.path or finding.location, root)}
    if not str(artifact["uri"]).startswith("file:"):
        artifact["uriBaseId"] = "%SRCROOT%"
    region: Json = {"startLine": finding.line or 1}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _uri(path: str, root: str | None) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() and root is not None and pure.is_relative_to(root):
        pure = pure.relative_to(root)
    if pure.is_absolute():
        return "file://" + quote(pure.as_posix())
    return quote(pure.as_posix())


def _fingerprint(finding: Finding) -> str:
    key = f"{finding.tool}\0{finding.kind}\0{finding.id}\0{finding.location}"
    return hashlib.sha256(key.encode()).hexdigest()
