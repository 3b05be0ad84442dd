"""The test stage's verdict: JUnit XML and coverage JSON through the test gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.gates.testing import suite_gate
from shipyard.parsers.coverage import parse_coverage
from shipyard.parsers.junit import parse_junit
from shipyard.stages.verdicts import broken_run, from_gate, missing, report

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.result import StageResult

JUNIT_XML = "junit.xml"
COVERAGE_JSON = "coverage.json"


@dataclass(frozen=True)
class EvaluateTest:
    """Failures, errors, no tests at all, and coverage under the floor fail."""

    coverage_floor: float = 0.0

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge one test leg."""
        broken = broken_run(outcome, may_fail=("pytest", "coverage"))
        if broken:
            return broken
        junit = report(outcome, JUNIT_XML)
        if junit is None:
            return missing(outcome, "pytest", JUNIT_XML)
        suite = parse_junit(junit[0], source=junit[1])
        cov = report(outcome, COVERAGE_JSON)
        coverage = parse_coverage(cov[0], source=cov[1]) if cov else None
        gate = suite_gate(suite, coverage, floor=self.coverage_floor)
        counts: dict[str, int | float | str] = {
            "tests": suite.tests,
            "passed": suite.passed,
            "failed": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
        }
        if coverage is not None:
            counts["coverage"] = round(coverage.percent, 2)
        return from_gate(gate, counts=counts, artifacts=(JUNIT_XML, COVERAGE_JSON))
