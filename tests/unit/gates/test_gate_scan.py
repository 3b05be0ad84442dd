from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shipyard.config.models import AllowlistEntry, ScanConfig, Severity
from shipyard.gates.scan import scan_gate
from shipyard.parsers.findings import Finding, FindingKind
from shipyard.parsers.gitleaks import parse_gitleaks
from shipyard.parsers.trivy import parse_trivy

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
TODAY = dt.date(2026, 11, 22)


def finding(
    severity: Severity, *, kind: FindingKind = "vulnerability", fixed: str | None = "2.0", id_: str = "CVE-1"
) -> Finding:
    return Finding(
        tool="trivy", id=id_, severity=severity, title="t", location="pkg@1.0", kind=kind, fixed_version=fixed
    )


@pytest.mark.parametrize(
    ("threshold", "severity", "counts"),
    [
        ("HIGH", "CRITICAL", True),
        ("HIGH", "HIGH", True),  # at the threshold counts
        ("HIGH", "MEDIUM", False),  # just below does not
        ("CRITICAL", "HIGH", False),
        ("UNKNOWN", "UNKNOWN", True),
        ("LOW", "UNKNOWN", False),
        ("MEDIUM", "MEDIUM", True),
    ],
)
def test_threshold_edges(threshold: Severity, severity: Severity, *, counts: bool) -> None:
    result = scan_gate([finding(severity)], ScanConfig(severity=threshold), today=TODAY)
    assert result.passed is not counts
    assert len(result.counted) == int(counts)


@pytest.mark.parametrize("kind", ["secret", "misconfiguration"])
def test_secrets_count_below_threshold_other_kinds_do_not(kind: FindingKind) -> None:
    result = scan_gate([finding("LOW", kind=kind, fixed=None)], ScanConfig(severity="CRITICAL"), today=TODAY)
    assert result.passed is (kind != "secret")


@pytest.mark.parametrize(
    ("ignore_unfixed", "fixed", "passed"),
    [(False, None, False), (True, None, True), (True, "2.0", False), (False, "2.0", False)],
)
def test_ignore_unfixed(*, ignore_unfixed: bool, fixed: str | None, passed: bool) -> None:
    config = ScanConfig(severity="HIGH", ignore_unfixed=ignore_unfixed)
    assert scan_gate([finding("HIGH", fixed=fixed)], config, today=TODAY).passed is passed


def test_ignore_unfixed_never_hides_secrets() -> None:
    config = ScanConfig(ignore_unfixed=True)
    assert not scan_gate([finding("HIGH", kind="secret", fixed=None)], config, today=TODAY).passed


@pytest.mark.parametrize(
    ("expires", "suppressed"),
    [
        (dt.date(2026, 11, 23), True),  # expires tomorrow: still suppresses
        (dt.date(2026, 11, 22), False),  # expires today: stops suppressing
        (dt.date(2026, 1, 1), False),
    ],
)
def test_allowlist_active_vs_expired(expires: dt.date, *, suppressed: bool) -> None:
    entry = AllowlistEntry(id="CVE-1", reason="no fix upstream yet", expires=expires)
    result = scan_gate([finding("CRITICAL")], ScanConfig(allowlist=(entry,)), today=TODAY)
    assert result.passed is suppressed
    assert len(result.suppressed) == int(suppressed)
    if suppressed:
        assert result.suppressed[0].entry == entry
        assert result.notes == ()
    else:
        assert result.notes == (
            f"allowlist entry CVE-1 expired on {expires.isoformat()}: no longer suppressed",
        )


def test_allowlisted_secret_is_suppressed() -> None:
    entry = AllowlistEntry(id="generic-api-key", reason="test fixture key", expires=dt.date(2027, 1, 1))
    result = scan_gate(
        [finding("HIGH", kind="secret", id_="generic-api-key")], ScanConfig(allowlist=(entry,)), today=TODAY
    )
    assert result.passed
    assert "1 allowlisted" in result.summary


def test_unused_and_stale_entries_are_noted() -> None:
    entries = (
        AllowlistEntry(id="CVE-UNUSED", reason="old", expires=dt.date(2027, 1, 1)),
        AllowlistEntry(id="CVE-GONE", reason="old", expires=dt.date(2026, 1, 1)),
    )
    result = scan_gate([], ScanConfig(allowlist=entries), today=TODAY)
    assert result.passed
    assert result.notes == (
        "allowlist entry CVE-GONE expired on 2026-01-01 and matches nothing: remove it",
        "allowlist entry CVE-UNUSED (until 2027-01-01) matches no finding: consider removing it",
    )


def test_recorded_reports_against_default_config() -> None:
    image = parse_trivy(
        (TOOLS / "trivy/image-vulnerabilities.handwritten.json").read_bytes(), source="image.json"
    )
    source = parse_trivy((TOOLS / "trivy/fs-secret-misconfig.json").read_bytes(), source="fs.json")
    leaks = parse_gitleaks((TOOLS / "gitleaks/report.json").read_bytes(), source="gl.json")
    findings = [*image.findings, *source.findings, *leaks.findings]
    result = scan_gate(findings, ScanConfig(), today=TODAY)
    # HIGH+: CVE-2024-45490, CVE-2023-52425, CVE-2024-6345, DS002; secrets: trivy 1, gitleaks 2
    assert sorted(f.id for f in result.counted) == [
        "CVE-2023-52425",
        "CVE-2024-45490",
        "CVE-2024-6345",
        "DS002",
        "aws-access-key-id",
        "aws-access-token",
        "generic-api-key",
    ]
    assert not result.passed
    assert result.summary.startswith("scan failed: 7 finding(s) at or above HIGH or secrets")
    assert "5 below HIGH" in result.summary
    assert len(result.reasons) == 7


def test_recorded_image_with_unfixed_ignored_and_allowlist() -> None:
    image = parse_trivy(
        (TOOLS / "trivy/image-vulnerabilities.handwritten.json").read_bytes(), source="image.json"
    )
    config = ScanConfig(
        ignore_unfixed=True,
        allowlist=(
            AllowlistEntry(id="CVE-2024-45490", reason="not reachable", expires=dt.date(2026, 12, 31)),
            AllowlistEntry(id="CVE-2024-6345", reason="build-time only", expires=dt.date(2026, 11, 1)),
        ),
    )
    result = scan_gate(image.findings, config, today=TODAY)
    assert [f.id for f in result.counted] == ["CVE-2024-6345"]
    assert [s.finding.id for s in result.suppressed] == ["CVE-2024-45490"]
    assert result.notes == ("allowlist entry CVE-2024-6345 expired on 2026-11-01: no longer suppressed",)
    assert "1 unfixed ignored" in result.summary
