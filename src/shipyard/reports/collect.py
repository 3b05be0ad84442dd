"""Findings gathered from a run's report files, for the merged SARIF log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.errors import ReportError
from shipyard.gates.scan import scan_gate
from shipyard.parsers.gitleaks import parse_gitleaks
from shipyard.parsers.ruff import parse_ruff_check
from shipyard.parsers.trivy import parse_trivy

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from pathlib import Path

    from shipyard.config.models import ScanConfig
    from shipyard.gates.result import SuppressedFinding
    from shipyard.parsers.findings import Finding


def _ruff(data: bytes, source: str) -> tuple[Finding, ...]:
    return parse_ruff_check(data, source=source).findings


def _gitleaks(data: bytes, source: str) -> tuple[Finding, ...]:
    return parse_gitleaks(data, source=source).findings


def _trivy(data: bytes, source: str) -> tuple[Finding, ...]:
    return parse_trivy(data, source=source).findings


READERS: dict[str, Callable[[bytes, str], tuple[Finding, ...]]] = {
    "ruff.json": _ruff,
    "gitleaks.json": _gitleaks,
    "trivy-source.json": _trivy,
    "trivy-deps.json": _trivy,
    "trivy-image-secrets.json": _trivy,
    "trivy-image-vulns.json": _trivy,
}
"""Report file name → how to read its findings."""
SCAN_REPORTS = frozenset(READERS) - {"ruff.json"}


def collect(
    out_root: Path, *, scan: ScanConfig, today: dt.date
) -> tuple[list[Finding], list[SuppressedFinding], list[str]]:
    """Every finding in the run's reports, the allowlisted ones, and reports that could not be read."""
    lint: list[Finding] = []
    scanned: list[Finding] = []
    unreadable: list[str] = []
    for path in sorted(out_root.glob("*/*.json")):
        reader = READERS.get(path.name)
        if reader is None:
            continue
        try:
            found = reader(path.read_bytes(), str(path))
        except ReportError as exc:
            unreadable.append(exc.one_line())
            continue
        (scanned if path.name in SCAN_REPORTS else lint).extend(found)
    gate = scan_gate(scanned, scan, today=today)
    suppressed = list(gate.suppressed)
    hidden = {item.finding for item in suppressed}
    return [*lint, *(f for f in scanned if f not in hidden)], suppressed, unreadable
