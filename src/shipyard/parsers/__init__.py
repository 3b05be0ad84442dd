"""Parsers for the tools' real reports: pure functions from bytes to frozen value objects.

Every `parse_*` function takes the report's content and the file it came from (`source`) and
raises `shipyard.errors.ReportError` naming that file when the content is malformed or comes
from another tool. An empty-but-valid report parses to zero findings.
"""

from shipyard.parsers.coverage import CoverageReport, parse_cobertura, parse_coverage, parse_coverage_json
from shipyard.parsers.findings import Finding, FindingKind
from shipyard.parsers.gitleaks import GitleaksReport, parse_gitleaks
from shipyard.parsers.junit import JUnitReport, parse_junit
from shipyard.parsers.ruff import RuffCheckReport, RuffFormatReport, parse_ruff_check, parse_ruff_format
from shipyard.parsers.sbom import Sbom, parse_sbom
from shipyard.parsers.trivy import TrivyReport, parse_trivy

__all__ = [
    "CoverageReport",
    "Finding",
    "FindingKind",
    "GitleaksReport",
    "JUnitReport",
    "RuffCheckReport",
    "RuffFormatReport",
    "Sbom",
    "TrivyReport",
    "parse_cobertura",
    "parse_coverage",
    "parse_coverage_json",
    "parse_gitleaks",
    "parse_junit",
    "parse_ruff_check",
    "parse_ruff_format",
    "parse_sbom",
    "parse_trivy",
]
