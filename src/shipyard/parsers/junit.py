"""pytest's JUnit XML (`pytest --junitxml=...`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shipyard.errors import ReportError
from shipyard.parsers._xml import load_xml
from shipyard.parsers.findings import Finding

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

_EXPECTED = "a JUnit XML report"
TEST_SEVERITY = "HIGH"
"""A failing or erroring test is reported as a HIGH finding (a SARIF error)."""

Outcome = Literal["passed", "failed", "error", "skipped"]
_MARKERS: tuple[tuple[str, Outcome], ...] = (
    ("failure", "failed"),
    ("error", "error"),
    ("skipped", "skipped"),
)


@dataclass(frozen=True, slots=True)
class TestCase:
    """One `<testcase>`."""

    __test__ = False  # not a pytest test class

    name: str
    """The test's name, with parameters, e.g. `test_positive[1]`."""
    classname: str
    """The dotted module (and class) path; empty for collection errors."""
    time: float
    """Seconds the test took."""
    outcome: Outcome
    """What happened."""
    message: str | None
    """The failure, error or skip message."""


@dataclass(frozen=True, slots=True)
class JUnitReport:
    """The totals and cases of one JUnit XML file (all its suites together)."""

    source: str
    """The file it was read from."""
    tests: int
    """Tests run, as the suites declare (including failed, errored and skipped ones)."""
    failures: int
    """Tests whose assertions failed."""
    errors: int
    """Tests that errored in setup/teardown, and collection errors."""
    skipped: int
    """Tests skipped (and xfailed)."""
    time: float
    """Seconds, summed over the suites."""
    cases: tuple[TestCase, ...]
    """Every test case, in file order."""

    @property
    def passed(self) -> int:
        """Tests that passed."""
        return self.tests - self.failures - self.errors - self.skipped

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Failed and errored cases as test findings."""
        return tuple(
            Finding(
                tool="pytest",
                id=f"{case.classname}.{case.name}" if case.classname else case.name,
                severity=TEST_SEVERITY,
                title=case.message.splitlines()[0] if case.message else case.outcome,
                location=case.classname or case.name,
                kind="test",
            )
            for case in self.cases
            if case.outcome in {"failed", "error"}
        )


def parse_junit(data: bytes | str, *, source: str) -> JUnitReport:
    """Parse a JUnit XML file whose root is `<testsuites>` or a single `<testsuite>`."""
    root = load_xml(data, source=source, expected=_EXPECTED)
    if root.tag == "testsuite":
        suites = [root]
    elif root.tag == "testsuites":
        suites = root.findall("testsuite")
    else:
        raise ReportError(
            f"{source} is not {_EXPECTED}: the root element is <{root.tag}>, not <testsuites> or <testsuite>",
            fix="pass the file written by `pytest --junitxml=...`",
        )
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    time = 0.0
    cases: list[TestCase] = []
    for suite in suites:
        for key in totals:
            totals[key] += _count(suite, key, source=source)
        time += _seconds(suite, source=source)
        cases.extend(_case(element, source=source) for element in suite.iter("testcase"))
    return JUnitReport(
        source=source,
        tests=totals["tests"],
        failures=totals["failures"],
        errors=totals["errors"],
        skipped=totals["skipped"],
        time=time,
        cases=tuple(cases),
    )


def _count(suite: ET.Element, key: str, *, source: str) -> int:
    raw = suite.get(key, "0")
    if not raw.isdigit():
        raise ReportError(
            f"{source} is not {_EXPECTED}: <testsuite {key}={raw!r}> is not a count",
            fix="pass the file written by `pytest --junitxml=...`",
        )
    return int(raw)


def _seconds(element: ET.Element, *, source: str) -> float:
    raw = element.get("time", "0")
    try:
        return float(raw)
    except ValueError:
        raise ReportError(
            f"{source} is not {_EXPECTED}: <{element.tag} time={raw!r}> is not a number of seconds",
            fix="pass the file written by `pytest --junitxml=...`",
        ) from None


COLLECTION_FAILURE = "collection failure"
"""pytest's message for a test module that could not be imported: the cause is in the text."""


def _message(child: ET.Element) -> str | None:
    """The failure's message; a collection failure's is its first `E   ` line (the exception)."""
    message = child.get("message")
    text = (child.text or "").strip()
    if message and message != COLLECTION_FAILURE:
        return message
    cause = next((line[1:].strip() for line in text.splitlines() if line.startswith("E ")), None)
    if message == COLLECTION_FAILURE:
        return f"collection error: {cause}" if cause else message
    return message or text or None


def _case(element: ET.Element, *, source: str) -> TestCase:
    name = element.get("name")
    if name is None:
        raise ReportError(
            f"{source} is not {_EXPECTED}: a <testcase> has no name",
            fix="pass the file written by `pytest --junitxml=...`",
        )
    outcome: Outcome = "passed"
    message: str | None = None
    for tag, result in _MARKERS:
        child = element.find(tag)
        if child is not None:
            outcome = result
            message = _message(child)
            break
    return TestCase(
        name=name,
        classname=element.get("classname", ""),
        time=_seconds(element, source=source),
        outcome=outcome,
        message=message,
    )
