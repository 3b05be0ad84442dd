"""twine check and check-wheel-contents output, parsed from captured real runs (fixtures/tools)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.errors import ReportError
from shipyard.parsers.twine import parse_twine_check
from shipyard.parsers.wheel_contents import parse_wheel_contents

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"


def text(name: str) -> str:
    return (TOOLS / name).read_text(encoding="utf-8")


def test_twine_passed_for_wheel_and_sdist() -> None:
    report = parse_twine_check(text("twine/check-passed.txt"), source="x")
    assert report.passed
    assert [f.path.rsplit("/", 1)[-1] for f in report.files] == [
        "semverlite-1.4.0-py3-none-any.whl",
        "semverlite-1.4.0.tar.gz",
    ]


def test_twine_readme_that_does_not_render_joins_rich_wrapped_lines_and_drops_the_quoted_markup() -> None:
    report = parse_twine_check(text("twine/check-readme-does-not-render.txt"), source="x")
    assert not report.passed
    assert [f.passed for f in report.files] == [False, False]
    assert report.files[0].messages == (
        (
            "ERROR: `long_description` has syntax errors in markup and would not be rendered on PyPI. "
            "line 2: Warning: Title underline too short."
        ),
    )


def test_twine_with_no_files_is_an_error_outside_any_file() -> None:
    report = parse_twine_check(text("twine/check-no-files.txt"), source="x")
    assert not report.passed
    assert report.files == ()
    assert report.errors[0].startswith("ERROR: InvalidDistribution: Cannot find file (or expand pattern)")


def test_twine_empty_output_checked_nothing() -> None:
    report = parse_twine_check("", source="x")
    assert not report.passed
    assert report.files == ()


def test_twine_malformed_output_is_a_report_error() -> None:
    with pytest.raises(ReportError, match="is not twine check output"):
        _ = parse_twine_check(text("check-wheel-contents/ok.txt"), source="x")


def test_check_wheel_contents_ok() -> None:
    report = parse_wheel_contents(text("check-wheel-contents/ok.txt"), source="x")
    assert report.passed
    assert report.ok == ("/out/dist/semverlite-1.4.0-py3-none-any.whl",)


def test_check_wheel_contents_problems_with_the_folders_they_name() -> None:
    report = parse_wheel_contents(text("check-wheel-contents/w005-w009.txt"), source="x")
    assert not report.passed
    assert [(p.code, p.items) for p in report.problems] == [
        ("W005", ("tests/",)),
        ("W009", ("tests/", "pkgx/")),
    ]
    assert report.problems[0].one_line() == "W005 Wheel contains common toplevel name in library: tests/"


def test_check_wheel_contents_refusing_a_missing_folder_is_a_usage_error() -> None:
    report = parse_wheel_contents(text("check-wheel-contents/no-dist.txt"), source="x")
    assert not report.passed
    assert report.usage_error == "Invalid value for '[WHEEL]...': Path '/out/dist' does not exist."


def test_check_wheel_contents_empty_and_malformed() -> None:
    assert not parse_wheel_contents("", source="x").passed
    with pytest.raises(ReportError, match="is not check-wheel-contents output"):
        _ = parse_wheel_contents(text("twine/check-passed.txt"), source="x")
