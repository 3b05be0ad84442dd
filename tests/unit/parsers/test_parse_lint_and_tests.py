from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import ReportError
from shipyard.parsers.coverage import parse_cobertura, parse_coverage, parse_coverage_json
from shipyard.parsers.junit import parse_junit
from shipyard.parsers.ruff import parse_ruff_check, parse_ruff_format

if TYPE_CHECKING:
    from collections.abc import Callable

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
RECORDED_IN = "/tmp/fx/ruffbad"  # noqa: S108 - where the recorded ruff run happened, not a file we use


def read(name: str) -> bytes:
    return (TOOLS / name).read_bytes()


def test_ruff_check_violations_exact() -> None:
    report = parse_ruff_check(read("ruff/check-violations.json"), source="check.json")
    assert [v.code for v in report.violations] == [
        "I001",
        "F401",
        "F401",
        "UP035",
        "UP006",
        "B006",
        "F841",
        "E711",
    ]
    first = report.violations[0]
    assert (first.filename, first.row, first.column, first.fix) == (
        f"{RECORDED_IN}/pkg/app.py",
        1,
        1,
        "safe",
    )
    assert report.violations[3].fix is None  # UP035 has no fix
    assert [f.location for f in report.findings][-1] == f"{RECORDED_IN}/pkg/util.py:2"
    assert {f.kind for f in report.findings} == {"lint"}


def test_ruff_check_clean_is_empty() -> None:
    assert parse_ruff_check(read("ruff/check-clean.json"), source="clean.json").violations == ()


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("ruff/format-check-full.txt", ("pkg/util.py",)),
        ("ruff/format-check-concise.txt", ("pkg/util.py",)),
        ("ruff/format-check-ruff-0.12.txt", ("pkg/util.py",)),
        ("ruff/format-check.json", (f"{RECORDED_IN}/pkg/util.py",)),
        ("ruff/format-check-clean.txt", ()),
        ("ruff/format-check-clean.json", ()),
    ],
)
def test_ruff_format_outcomes(fixture: str, expected: tuple[str, ...]) -> None:
    assert parse_ruff_format(read(fixture), source=fixture).unformatted == expected


def test_ruff_format_empty_output_means_nothing_to_reformat() -> None:
    assert parse_ruff_format(b"", source="quiet.txt").unformatted == ()


@pytest.mark.parametrize(
    ("parser", "fixture", "message"),
    [
        (parse_ruff_check, "malformed/empty-file.json", "is not a ruff check JSON report: the file is empty"),
        (parse_ruff_check, "gitleaks/report.json", "it looks like a gitleaks JSON report"),
        (parse_ruff_check, "trivy/fs-clean.json", "it looks like a Trivy JSON report"),
        (parse_ruff_format, "malformed/ruff-format-unrelated.txt", "no 'Would reformat' line"),
        (
            parse_ruff_format,
            "malformed/ruff-format-count-mismatch.txt",
            "says 2 file(s) would be reformatted but 1",
        ),
        (parse_ruff_format, "ruff/check-violations.json", "has code 'I001', not 'unformatted'"),
    ],
)
def test_ruff_bad_inputs_name_the_file(parser: Callable[..., object], fixture: str, message: str) -> None:
    with pytest.raises(ReportError) as raised:
        parser(read(fixture), source=fixture)
    assert fixture in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("fixture", "counts", "outcomes"),
    [
        ("pytest/junit-passing.xml", (4, 0, 0, 1, 3), ["passed", "passed", "passed", "skipped"]),
        ("pytest/junit-failing.xml", (3, 1, 0, 0, 2), ["passed", "failed", "passed"]),
        ("pytest/junit-erroring.xml", (2, 0, 1, 0, 1), ["error", "passed"]),
        ("pytest/junit-collection-error.xml", (1, 0, 1, 0, 0), ["error"]),
        ("pytest/junit-empty.xml", (0, 0, 0, 0, 0), []),
    ],
)
def test_junit_counts(fixture: str, counts: tuple[int, ...], outcomes: list[str]) -> None:
    report = parse_junit(read(fixture), source=fixture)
    assert (report.tests, report.failures, report.errors, report.skipped, report.passed) == counts
    assert [case.outcome for case in report.cases] == outcomes
    assert len(report.findings) == report.failures + report.errors


def test_junit_case_details() -> None:
    report = parse_junit(read("pytest/junit-failing.xml"), source="junit.xml")
    failed = report.cases[1]
    assert (failed.classname, failed.name) == ("test_shop", "test_total_discount")
    assert failed.message is not None
    assert failed.message.startswith("AssertionError: discount not applied")
    assert report.findings[0].id == "test_shop.test_total_discount"
    skipped = parse_junit(read("pytest/junit-passing.xml"), source="p.xml").cases[3]
    assert skipped.message is not None
    assert "not on this platform" in skipped.message


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("malformed/junit-dtd-entity.xml", "<!DOCTYPE> declaration"),
        ("malformed/junit-truncated.xml", "malformed XML"),
        ("coverage/coverage.xml", "root element is <coverage>"),
        ("malformed/empty-file.json", "the file is empty"),
    ],
)
def test_junit_bad_inputs(fixture: str, message: str) -> None:
    with pytest.raises(ReportError) as raised:
        parse_junit(read(fixture), source=fixture)
    assert fixture in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize("fixture", ["coverage/coverage.json", "coverage/coverage.xml"])
def test_coverage_percent(fixture: str) -> None:
    report = parse_coverage(read(fixture), source=fixture)
    assert report.percent == 60.0
    assert [(f.path, f.percent) for f in report.files] == [("calc/__init__.py", 60.0)]


def test_coverage_format_is_detected() -> None:
    assert parse_coverage(read("coverage/coverage.json"), source="c").format == "coverage.py-json"
    assert parse_coverage(read("coverage/coverage.xml"), source="c").format == "cobertura"


@pytest.mark.parametrize(
    ("parser", "fixture", "message"),
    [
        (parse_coverage_json, "malformed/coverage-truncated.json", "invalid JSON"),
        (parse_coverage_json, "trivy/fs-clean.json", "it looks like a Trivy JSON report"),
        (parse_coverage_json, "ruff/check-clean.json", "got a list"),
        (parse_cobertura, "malformed/coverage-xxe.xml", "<!DOCTYPE> declaration"),
        (parse_cobertura, "pytest/junit-passing.xml", "root element is <testsuites>"),
        (parse_coverage, "gitleaks/report.json", "is not a coverage.py JSON report"),
    ],
)
def test_coverage_bad_inputs(parser: Callable[..., object], fixture: str, message: str) -> None:
    with pytest.raises(ReportError) as raised:
        parser(read(fixture), source=fixture)
    assert fixture in str(raised.value)
    assert message in str(raised.value)


def test_coverage_out_of_range_is_refused() -> None:
    with pytest.raises(ReportError, match=r"impossible coverage of 150\.0%"):
        parse_cobertura('<coverage line-rate="1.5"/>', source="c.xml")
