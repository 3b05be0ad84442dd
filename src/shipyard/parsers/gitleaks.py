"""gitleaks' JSON report (`gitleaks git|detect --report-format json --redact`)."""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.parsers._json import Fields, as_list, load_json, wrong_report
from shipyard.parsers.findings import Finding

_EXPECTED = "a gitleaks JSON report"
LEAK_SEVERITY = "HIGH"
"""gitleaks has no severities; every leak is reported as HIGH (and the scan gate counts secrets anyway)."""


@dataclass(frozen=True, slots=True)
class GitleaksLeak:
    """One leak; the secret and the matched text are deliberately not kept."""

    rule_id: str
    """RuleID, e.g. aws-access-token."""
    description: str
    """Description, e.g. AWS."""
    file: str
    """File, relative to the scanned repository."""
    start_line: int
    """StartLine."""
    commit: str | None
    """Commit that introduced it; None for a scan of a plain directory."""
    fingerprint: str
    """Fingerprint (commit:file:rule:line), what `.gitleaksignore` lists."""
    redacted: bool
    """Whether gitleaks redacted the secret (`--redact`); an unredacted report must not be published."""


@dataclass(frozen=True, slots=True)
class GitleaksReport:
    """A parsed gitleaks JSON report."""

    source: str
    """The file it was read from."""
    leaks: tuple[GitleaksLeak, ...]
    """Every leak, in gitleaks' order; empty when none."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every leak as a secret finding."""
        return tuple(
            Finding(
                tool="gitleaks",
                id=leak.rule_id,
                severity=LEAK_SEVERITY,
                title=f"{leak.description} secret"
                + (f" committed in {leak.commit[:12]}" if leak.commit else ""),
                location=f"{leak.file}:{leak.start_line}",
                kind="secret",
                path=leak.file,
                line=leak.start_line,
            )
            for leak in self.leaks
        )


def parse_gitleaks(data: bytes | str, *, source: str) -> GitleaksReport:
    """Parse a gitleaks JSON report (a list of findings; `[]` when there are none)."""
    document = load_json(data, source=source, expected=_EXPECTED)
    items = as_list(document)
    if items is None:
        raise wrong_report(document, source=source, expected=_EXPECTED, want="a list of findings")
    leaks: list[GitleaksLeak] = []
    for index, item in enumerate(items):
        leak = Fields(item, source=source, expected=_EXPECTED, where=f"finding #{index + 1}")
        if "RuleID" not in leak.obj:
            raise wrong_report(items, source=source, expected=_EXPECTED, want="findings with a 'RuleID'")
        leaks.append(
            GitleaksLeak(
                rule_id=leak.text("RuleID"),
                description=leak.opt_text("Description") or leak.text("RuleID"),
                file=leak.text("File"),
                start_line=leak.integer("StartLine"),
                commit=leak.opt_text("Commit"),
                fingerprint=leak.opt_text("Fingerprint") or "",
                redacted="REDACTED" in (leak.opt_text("Secret") or "REDACTED"),
            )
        )
    return GitleaksReport(source=source, leaks=tuple(leaks))
