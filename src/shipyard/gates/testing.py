"""The test gate: failures, errors, an empty run and a coverage floor fail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.gates.result import GateResult

if TYPE_CHECKING:
    from shipyard.parsers.coverage import CoverageReport
    from shipyard.parsers.junit import JUnitReport


def suite_gate(
    junit: JUnitReport, coverage: CoverageReport | None = None, *, floor: float = 0.0
) -> GateResult:
    """Judge one test suite run; `floor` is TestConfig.coverage_floor (percent, 0 disables the floor)."""
    reasons: list[str] = []
    if junit.tests == 0:
        reasons.append(
            f"no tests were collected ({junit.source}): check the test paths, the -m marker expression "
            "and that the test files are named test_*.py"
        )
    first = ""
    if junit.failures or junit.errors:
        bad = [c for c in junit.cases if c.outcome in {"failed", "error"}]
        names = [f"{c.classname}.{c.name}" if c.classname else c.name for c in bad]
        if bad:  # the cause, in the one line: the first failure's name and message
            message = (bad[0].message or bad[0].outcome).splitlines()[0]
            first = f"; {names[0]}: {message[:200]}"
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")  # noqa: PLR2004
        reasons.append(f"{junit.failures} failed, {junit.errors} errored of {junit.tests} test(s): {shown}")
    notes: list[str] = []
    if floor > 0 and coverage is None:
        reasons.append(f"coverage floor is {floor:g}% but no coverage report was produced")
    elif coverage is not None and coverage.percent < floor:
        reasons.append(
            f"coverage {coverage.percent:.2f}% is below the coverage floor {floor:g}% ({coverage.source})"
        )
    elif coverage is not None:
        notes.append(f"coverage {coverage.percent:.2f}% (floor {floor:g}%)")
    counts = (
        f"{junit.passed} passed, {junit.failures} failed, {junit.errors} errored, {junit.skipped} skipped"
    )
    cover = f", coverage {coverage.percent:.2f}%" if coverage is not None else ""
    return GateResult(
        gate="test",
        passed=not reasons,
        summary=f"tests {'passed' if not reasons else 'failed'}: {counts}{cover}{first}",
        reasons=tuple(reasons),
        counted=junit.findings,
        notes=tuple(notes),
    )
