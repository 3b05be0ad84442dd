"""Trivy's JSON report (`trivy ... --format json`, SchemaVersion 2)."""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.config.models import SEVERITIES, Severity
from shipyard.errors import ReportError
from shipyard.parsers._json import Fields, as_object, load_json, wrong_report
from shipyard.parsers.findings import Finding

_EXPECTED = "a Trivy JSON report"
SCHEMA_VERSION = 2


@dataclass(frozen=True, slots=True)
class TrivyVulnerability:
    """One entry of a result's `Vulnerabilities`."""

    id: str
    """VulnerabilityID: CVE-…, GHSA-…, DLA-…"""
    package: str
    """PkgName."""
    installed_version: str
    """InstalledVersion."""
    fixed_version: str | None
    """FixedVersion, None when no fix exists (yet)."""
    severity: Severity
    """Severity."""
    title: str
    """Title (falls back to the id when Trivy has none)."""
    url: str | None
    """PrimaryURL."""
    status: str | None
    """Status: fixed, affected, will_not_fix, fix_deferred, end_of_life… (absent in old reports)."""


@dataclass(frozen=True, slots=True)
class TrivyMisconfiguration:
    """One entry of a result's `Misconfigurations`."""

    id: str
    """ID, e.g. DS002."""
    avd_id: str | None
    """AVDID, e.g. AVD-DS-0002."""
    title: str
    """Title."""
    severity: Severity
    """Severity."""
    message: str
    """Message: what to change."""
    status: str
    """Status: FAIL, or PASS/EXCEPTION with --include-non-failures."""
    line: int | None
    """CauseMetadata.StartLine when Trivy knows it."""


@dataclass(frozen=True, slots=True)
class TrivySecret:
    """One entry of a result's `Secrets`; the matched text is deliberately not kept."""

    rule_id: str
    """RuleID, e.g. aws-access-key-id."""
    category: str
    """Category, e.g. AWS."""
    severity: Severity
    """Severity."""
    title: str
    """Title."""
    start_line: int
    """StartLine."""
    end_line: int
    """EndLine."""


@dataclass(frozen=True, slots=True)
class TrivyResult:
    """One scanned target (an OS, a lock file, a Dockerfile, a source file)."""

    target: str
    """Target, e.g. `Dockerfile` or `python:3.12-slim (debian 12.8)`."""
    result_class: str
    """Class: os-pkgs, lang-pkgs, config, secret, license…"""
    type: str | None
    """Type: debian, python-pkg, dockerfile…"""
    vulnerabilities: tuple[TrivyVulnerability, ...]
    """Vulnerabilities."""
    misconfigurations: tuple[TrivyMisconfiguration, ...]
    """Misconfigurations."""
    secrets: tuple[TrivySecret, ...]
    """Secrets."""


@dataclass(frozen=True, slots=True)
class TrivyReport:
    """A parsed Trivy JSON report."""

    source: str
    """The file it was read from."""
    artifact_name: str
    """ArtifactName: the image reference or scanned path."""
    artifact_type: str
    """ArtifactType: container_image, filesystem, repository…"""
    results: tuple[TrivyResult, ...]
    """Results; empty when nothing was found."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every vulnerability, failed misconfiguration and secret as a finding."""
        found: list[Finding] = []
        for result in self.results:
            found.extend(
                Finding(
                    tool="trivy",
                    id=v.id,
                    severity=v.severity,
                    title=v.title,
                    location=f"{v.package}@{v.installed_version}",
                    kind="vulnerability",
                    fixed_version=v.fixed_version,
                    path=result.target,
                )
                for v in result.vulnerabilities
            )
            found.extend(
                Finding(
                    tool="trivy",
                    id=m.id,
                    severity=m.severity,
                    title=f"{m.title}: {m.message}",
                    location=f"{result.target}:{m.line}" if m.line else result.target,
                    kind="misconfiguration",
                    path=result.target,
                    line=m.line,
                )
                for m in result.misconfigurations
                if m.status == "FAIL"
            )
            found.extend(
                Finding(
                    tool="trivy",
                    id=s.rule_id,
                    severity=s.severity,
                    title=s.title,
                    location=f"{result.target}:{s.start_line}",
                    kind="secret",
                    path=result.target,
                    line=s.start_line,
                )
                for s in result.secrets
            )
        return tuple(found)


def parse_trivy(data: bytes | str, *, source: str) -> TrivyReport:
    """Parse a Trivy JSON report; other tools' reports and other schema versions are refused."""
    document = load_json(data, source=source, expected=_EXPECTED)
    obj = as_object(document)
    if obj is None or "SchemaVersion" not in obj:
        raise wrong_report(
            document, source=source, expected=_EXPECTED, want=f"an object with SchemaVersion {SCHEMA_VERSION}"
        )
    report = Fields(obj, source=source, expected=_EXPECTED, where="the report")
    if report.obj["SchemaVersion"] != SCHEMA_VERSION:
        raise ReportError(
            f"{source} is a Trivy report with SchemaVersion {report.obj['SchemaVersion']!r}; "
            f"only SchemaVersion {SCHEMA_VERSION} is understood",
            fix="use a Trivy release from 0.20 on (the pipeline pins one)",
        )
    return TrivyReport(
        source=source,
        artifact_name=report.text("ArtifactName"),
        artifact_type=report.opt_text("ArtifactType") or "unknown",
        results=tuple(
            _result(Fields(item, source=source, expected=_EXPECTED, where=f"Results[{i}]"))
            for i, item in enumerate(report.items("Results"))
        ),
    )


def _entries(result: Fields, key: str) -> list[Fields]:
    return [
        Fields(item, source=result.source, expected=_EXPECTED, where=f"{result.where}.{key}[{i}]")
        for i, item in enumerate(result.items(key))
    ]


def _result(result: Fields) -> TrivyResult:
    return TrivyResult(
        target=result.text("Target"),
        result_class=result.opt_text("Class") or "unknown",
        type=result.opt_text("Type"),
        vulnerabilities=tuple(
            TrivyVulnerability(
                id=v.text("VulnerabilityID"),
                package=v.text("PkgName"),
                installed_version=v.text("InstalledVersion"),
                fixed_version=v.opt_text("FixedVersion"),
                severity=_severity(v),
                title=v.opt_text("Title") or v.text("VulnerabilityID"),
                url=v.opt_text("PrimaryURL"),
                status=v.opt_text("Status"),
            )
            for v in _entries(result, "Vulnerabilities")
        ),
        misconfigurations=tuple(
            TrivyMisconfiguration(
                id=m.text("ID"),
                avd_id=m.opt_text("AVDID"),
                title=m.text("Title"),
                severity=_severity(m),
                message=m.opt_text("Message") or "",
                status=m.opt_text("Status") or "FAIL",
                line=_cause_line(m),
            )
            for m in _entries(result, "Misconfigurations")
        ),
        secrets=tuple(
            TrivySecret(
                rule_id=s.text("RuleID"),
                category=s.opt_text("Category") or "",
                severity=_severity(s),
                title=s.text("Title"),
                start_line=s.integer("StartLine"),
                end_line=s.opt_integer("EndLine") or s.integer("StartLine"),
            )
            for s in _entries(result, "Secrets")
        ),
    )


def _severity(entry: Fields) -> Severity:
    value = entry.text("Severity")
    if value not in SEVERITIES:
        raise entry.error(f"has Severity {value!r}, not one of {', '.join(SEVERITIES)}")
    return value


def _cause_line(entry: Fields) -> int | None:
    cause = entry.obj.get("CauseMetadata")
    if cause is None:
        return None
    line = Fields(cause, source=entry.source, expected=_EXPECTED, where=f"{entry.where}.CauseMetadata")
    start = line.opt_integer("StartLine")
    return start or None
