from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.gates.lint import lint_gate
from shipyard.gates.testing import suite_gate
from shipyard.parsers.coverage import CoverageReport, parse_coverage
from shipyard.parsers.junit import parse_junit
from shipyard.parsers.ruff import parse_ruff_check, parse_ruff_format

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"


def read(name: str) -> bytes:
    return (TOOLS / name).read_bytes()


@pytest.mark.parametrize(
    ("check", "fmt", "passed"),
    [
        ("ruff/check-clean.json", "ruff/format-check-clean.txt", True),
        ("ruff/check-violations.json", "ruff/format-check-clean.txt", False),
        ("ruff/check-clean.json", "ruff/format-check-full.txt", False),
        ("ruff/check-violations.json", "ruff/format-check.json", False),
    ],
)
def test_lint_gate(check: str, fmt: str, *, passed: bool) -> None:
    result = lint_gate(parse_ruff_check(read(check), source=check), parse_ruff_format(read(fmt), source=fmt))
    assert result.passed is passed
    assert bool(result.reasons) is not passed


def test_lint_summary_counts_by_code() -> None:
    result = lint_gate(parse_ruff_check(read("ruff/check-violations.json"), source="c.json"))
    assert result.summary == (
        "lint failed: 8 violation(s) (F401 x2, B006 x1, E711 x1, F841 x1, I001 x1, UP006 x1, UP035 x1)"
    )
    assert result.reasons[0].endswith("4 fixable with `ruff check --fix`")  # B006, F841, E711 are unsafe
    assert result.notes == ("ruff format --check did not run: formatting was not judged",)


def test_lint_format_only_failure_names_the_file() -> None:
    result = lint_gate(
        parse_ruff_check(b"[]", source="c.json"),
        parse_ruff_format(read("ruff/format-check-ruff-0.12.txt"), source="f.txt"),
    )
    assert result.summary == "lint failed: 1 file(s) to reformat"
    assert result.reasons == ("ruff format: 1 file(s) would be reformatted (pkg/util.py); run `ruff format`",)


def coverage(percent: float) -> CoverageReport:
    return CoverageReport(source="coverage.json", format="coverage.py-json", percent=percent, files=())


@pytest.mark.parametrize(
    ("junit", "passed"),
    [
        ("pytest/junit-passing.xml", True),
        ("pytest/junit-failing.xml", False),
        ("pytest/junit-erroring.xml", False),
        ("pytest/junit-collection-error.xml", False),
        ("pytest/junit-empty.xml", False),
    ],
)
def test_suite_gate_on_recorded_runs(junit: str, *, passed: bool) -> None:
    assert suite_gate(parse_junit(read(junit), source=junit)).passed is passed


def test_failures_are_named() -> None:
    result = suite_gate(parse_junit(read("pytest/junit-failing.xml"), source="j.xml"))
    assert result.reasons == ("1 failed, 0 errored of 3 test(s): test_shop.test_total_discount",)
    assert result.summary.startswith(
        "tests failed: 2 passed, 1 failed, 0 errored, 0 skipped; test_shop.test_total_discount: "
    )
    messages = [c.message for c in parse_junit(read("pytest/junit-failing.xml"), source="j.xml").cases]
    first = next(m for m in messages if m)
    assert result.summary.endswith(first.splitlines()[0][:200])  # the cause, not a count
    assert [f.id for f in result.counted] == ["test_shop.test_total_discount"]


def test_a_module_that_cannot_be_imported_is_named_with_its_exception() -> None:
    """rich's tests need attrs, which its install did not bring: the line says so, not `1 errored`."""
    result = suite_gate(parse_junit(read("pytest/junit-collection-error.xml"), source="j.xml"))
    assert result.summary == (
        "tests failed: 0 passed, 0 failed, 1 errored, 0 skipped; "
        "test_broken: collection error: ModuleNotFoundError: No module named 'not_a_module_xyz'"
    )


def test_zero_tests_message() -> None:
    result = suite_gate(parse_junit(read("pytest/junit-empty.xml"), source="junit-empty.xml"))
    assert len(result.reasons) == 1
    assert result.reasons[0].startswith("no tests were collected (junit-empty.xml)")


@pytest.mark.parametrize(
    ("percent", "floor", "passed"),
    [
        (60.0, 60.0, True),  # exactly at the floor passes
        (59.99, 60.0, False),  # just below fails
        (60.01, 60.0, True),
        (0.0, 0.0, True),  # floor 0 disables
        (100.0, 100.0, True),
    ],
)
def test_coverage_floor_edges(percent: float, floor: float, *, passed: bool) -> None:
    junit = parse_junit(read("pytest/junit-passing.xml"), source="j.xml")
    result = suite_gate(junit, coverage(percent), floor=floor)
    assert result.passed is passed


def test_coverage_floor_message_names_both_numbers() -> None:
    junit = parse_junit(read("pytest/junit-passing.xml"), source="j.xml")
    real = parse_coverage(read("coverage/coverage.xml"), source="coverage.xml")
    result = suite_gate(junit, real, floor=80)
    assert result.reasons == ("coverage 60.00% is below the coverage floor 80% (coverage.xml)",)
    assert result.summary == "tests failed: 3 passed, 0 failed, 0 errored, 1 skipped, coverage 60.00%"


def test_missing_coverage_with_a_floor_fails() -> None:
    junit = parse_junit(read("pytest/junit-passing.xml"), source="j.xml")
    result = suite_gate(junit, None, floor=50)
    assert result.reasons == ("coverage floor is 50% but no coverage report was produced",)
