from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import ReportError
from shipyard.parsers.gitleaks import parse_gitleaks
from shipyard.parsers.sbom import parse_sbom
from shipyard.parsers.trivy import parse_trivy

if TYPE_CHECKING:
    from collections.abc import Callable

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
PLANTED_KEY_PREFIX = "AKIAQ7"  # the made-up key planted for the recordings; must never survive parsing


def read(name: str) -> bytes:
    return (TOOLS / name).read_bytes()


def test_trivy_fs_secret_and_misconfig() -> None:
    report = parse_trivy(read("trivy/fs-secret-misconfig.json"), source="fs.json")
    assert (report.artifact_name, report.artifact_type) == (".", "filesystem")
    assert [(r.target, r.result_class) for r in report.results] == [
        ("Dockerfile", "config"),
        ("app/main.py", "secret"),
    ]
    findings = report.findings
    assert [(f.kind, f.id, f.severity, f.location) for f in findings] == [
        ("misconfiguration", "DS002", "HIGH", "Dockerfile"),
        ("misconfiguration", "DS026", "LOW", "Dockerfile"),
        ("secret", "aws-access-key-id", "CRITICAL", "app/main.py:3"),
    ]
    secret = report.results[1].secrets[0]
    assert (secret.category, secret.start_line, secret.end_line) == ("AWS", 3, 3)
    assert PLANTED_KEY_PREFIX not in repr(report)


def test_trivy_image_vulnerabilities_handwritten() -> None:
    report = parse_trivy(read("trivy/image-vulnerabilities.handwritten.json"), source="image.json")
    vulns = [f for f in report.findings if f.kind == "vulnerability"]
    assert len(vulns) == 7
    assert Counter(f.severity for f in vulns) == {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 1}
    assert sorted(f.id for f in vulns if f.fixed_version is None) == [
        "CVE-2011-3374",
        "CVE-2023-52425",
        "CVE-2024-2236",
    ]
    first = report.results[0].vulnerabilities[0]
    assert (first.id, first.package, first.installed_version, first.fixed_version, first.status) == (
        "CVE-2024-45490",
        "libexpat1",
        "2.5.0-1",
        "2.5.0-1+deb12u1",
        "fixed",
    )
    assert vulns[0].location == "libexpat1@2.5.0-1"


@pytest.mark.parametrize("fixture", ["trivy/fs-clean.json", "trivy/image-clean.handwritten.json"])
def test_trivy_clean_reports_have_no_findings(fixture: str) -> None:
    assert parse_trivy(read(fixture), source=fixture).findings == ()


def test_gitleaks_report() -> None:
    report = parse_gitleaks(read("gitleaks/report.json"), source="gl.json")
    assert [(leak.rule_id, leak.file, leak.start_line) for leak in report.leaks] == [
        ("aws-access-token", "settings.py", 3),
        ("generic-api-key", "settings.py", 4),
    ]
    assert all(leak.redacted for leak in report.leaks)
    assert report.leaks[0].commit == "71fbcd46d908c189fa67e7eda827aa43e7a8321c"
    assert (
        report.leaks[0].fingerprint
        == "71fbcd46d908c189fa67e7eda827aa43e7a8321c:settings.py:aws-access-token:3"
    )
    assert {(f.kind, f.severity) for f in report.findings} == {("secret", "HIGH")}
    assert PLANTED_KEY_PREFIX not in repr(report)


def test_gitleaks_unredacted_report_is_flagged_and_the_secret_dropped() -> None:
    raw = '[{"RuleID": "aws-access-token", "File": "a.py", "StartLine": 1, "Secret": "AKIAQ7XJ2M4N5P6R3S8T"}]'
    report = parse_gitleaks(raw, source="raw.json")
    assert report.leaks[0].redacted is False
    assert PLANTED_KEY_PREFIX not in repr(report)


def test_gitleaks_empty() -> None:
    assert parse_gitleaks(read("gitleaks/report-empty.json"), source="empty.json").leaks == ()


@pytest.mark.parametrize(
    ("fixture", "fmt", "version", "count", "licenses"),
    [
        ("syft/cyclonedx.json", "cyclonedx", "1.6", 4, ("MIT",)),
        ("syft/spdx.json", "spdx", "SPDX-2.3", 4, ("MIT",)),
        ("syft/cyclonedx-empty.json", "cyclonedx", "1.6", 0, ()),
        ("syft/spdx-empty.json", "spdx", "SPDX-2.3", 0, ()),
    ],
)
def test_sbom_formats(fixture: str, fmt: str, version: str, count: int, licenses: tuple[str, ...]) -> None:
    sbom = parse_sbom(read(fixture), source=fixture)
    assert (sbom.format, sbom.spec_version, sbom.package_count, sbom.licenses) == (
        fmt,
        version,
        count,
        licenses,
    )


@pytest.mark.parametrize("fixture", ["syft/cyclonedx.json", "syft/spdx.json"])
def test_sbom_packages_agree_between_formats(fixture: str) -> None:
    sbom = parse_sbom(read(fixture), source=fixture)
    assert sbom.subject == "syftsrc"  # the scanned directory is the subject, not a package
    assert sorted((p.name, p.version, p.purl) for p in sbom.packages) == [
        ("idna", "3.7", "pkg:pypi/idna@3.7"),
        ("idna", "3.7", "pkg:pypi/idna@3.7"),
        ("six", "1.16.0", "pkg:pypi/six@1.16.0"),
        ("six", "1.16.0", "pkg:pypi/six@1.16.0"),
    ]


def test_cyclonedx_license_expressions_and_nested_components() -> None:
    bom = (
        '{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "a", "version": "1",'
        ' "licenses": [{"expression": "MIT OR Apache-2.0"}], "components": [{"name": "b",'
        ' "licenses": [{"license": {"name": "Custom"}}]}]}]}'
    )
    sbom = parse_sbom(bom, source="bom.json")
    assert [p.name for p in sbom.packages] == ["a", "b"]
    assert sbom.licenses == ("Custom", "MIT OR Apache-2.0")


@pytest.mark.parametrize(
    ("parser", "fixture", "message"),
    [
        (
            parse_trivy,
            "gitleaks/report.json",
            (
                "is not a Trivy JSON report: expected an object with SchemaVersion 2, "
                "it looks like a gitleaks JSON report"
            ),
        ),
        (parse_trivy, "syft/cyclonedx.json", "it looks like a CycloneDX SBOM"),
        (parse_trivy, "trivy/fs-secret-misconfig.sarif", "it looks like a SARIF log"),
        (parse_trivy, "malformed/trivy-truncated.json", "is not a Trivy JSON report: invalid JSON"),
        (parse_trivy, "malformed/trivy-schema-v1.json", "SchemaVersion 1; only SchemaVersion 2"),
        (
            parse_trivy,
            "malformed/trivy-bad-severity.json",
            "Results[0].Misconfigurations[0] has Severity 'SEVERE'",
        ),
        (parse_trivy, "malformed/empty-file.json", "the file is empty"),
        (
            parse_gitleaks,
            "trivy/fs-secret-misconfig.json",
            "is not a gitleaks JSON report: expected a list of findings, it looks like a Trivy",
        ),
        (parse_gitleaks, "ruff/check-violations.json", "it looks like a ruff JSON report"),
        (parse_gitleaks, "malformed/gitleaks-truncated.json", "invalid JSON"),
        (parse_sbom, "trivy/fs-clean.json", "is not a CycloneDX or SPDX JSON SBOM"),
        (parse_sbom, "gitleaks/report-empty.json", "got a list"),
        (parse_sbom, "malformed/cyclonedx-truncated.json", "invalid JSON"),
        (parse_sbom, "pytest/junit-passing.xml", "invalid JSON"),
    ],
)
def test_scanner_bad_inputs_name_the_file(parser: Callable[..., object], fixture: str, message: str) -> None:
    with pytest.raises(ReportError) as raised:
        parser(read(fixture), source=fixture)
    assert str(raised.value).startswith(fixture)
    assert message in str(raised.value)


def test_not_utf8_is_refused() -> None:
    with pytest.raises(ReportError, match=r"blob\.bin is not a Trivy JSON report: not UTF-8"):
        parse_trivy(b"\xff\xfe\x00garbage", source="blob.bin")
