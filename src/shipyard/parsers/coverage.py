"""coverage.py's JSON report (`coverage json`) and Cobertura XML (`coverage xml`), as percentages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from shipyard.errors import ReportError
from shipyard.parsers._json import Fields, as_object, load_json, wrong_report
from shipyard.parsers._xml import load_xml

_JSON = "a coverage.py JSON report"
_XML = "a Cobertura XML coverage report"


@dataclass(frozen=True, slots=True)
class FileCoverage:
    """Line coverage of one measured file."""

    path: str
    """The file, relative to the measured source as coverage.py wrote it."""
    percent: float
    """Covered statements (lines) in percent, 0-100."""


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """Total and per-file line coverage."""

    source: str
    """The file it was read from."""
    format: Literal["coverage.py-json", "cobertura"]
    """Which report format it came from."""
    percent: float
    """Total coverage in percent, 0-100, as the tool computed it."""
    files: tuple[FileCoverage, ...]
    """Per-file coverage, in report order."""


def parse_coverage(data: bytes | str, *, source: str) -> CoverageReport:
    """Parse either format, telling them apart by their first character."""
    head = data.lstrip()[:1]
    if head in {"<", b"<"}:
        return parse_cobertura(data, source=source)
    return parse_coverage_json(data, source=source)


def parse_coverage_json(data: bytes | str, *, source: str) -> CoverageReport:
    """Parse `coverage json` output: `totals.percent_covered` and `files.*.summary`."""
    document = load_json(data, source=source, expected=_JSON)
    obj = as_object(document)
    if obj is None or "totals" not in obj or "meta" not in obj:
        raise wrong_report(document, source=source, expected=_JSON, want="an object with 'meta' and 'totals'")
    report = Fields(obj, source=source, expected=_JSON, where="the report")
    percent = report.child("totals", "'totals'").number("percent_covered")
    files_value = report.obj.get("files", {})
    if not isinstance(files_value, dict):
        raise report.error("field 'files' should be an object")
    files: list[FileCoverage] = []
    for path, entry in cast("dict[str, object]", files_value).items():
        summary = Fields(entry, source=source, expected=_JSON, where=f"file {path!r}").child(
            "summary", f"file {path!r}'s summary"
        )
        files.append(FileCoverage(path=path, percent=_percent(summary.number("percent_covered"), source)))
    return CoverageReport(
        source=source, format="coverage.py-json", percent=_percent(percent, source), files=tuple(files)
    )


def parse_cobertura(data: bytes | str, *, source: str) -> CoverageReport:
    """Parse Cobertura XML: the root's `line-rate` and each `<class filename line-rate>`."""
    root = load_xml(data, source=source, expected=_XML)
    if root.tag != "coverage" or root.get("line-rate") is None:
        raise ReportError(
            f"{source} is not {_XML}: the root element is <{root.tag}> without a line-rate",
            fix="pass the file written by `coverage xml`",
        )
    files = tuple(
        FileCoverage(path=element.get("filename", "?"), percent=_rate(element.get("line-rate"), source))
        for element in root.iter("class")
    )
    return CoverageReport(
        source=source, format="cobertura", percent=_rate(root.get("line-rate"), source), files=files
    )


def _rate(raw: str | None, source: str) -> float:
    try:
        # line-rate has four decimals; rounding keeps 0.6 from becoming 60.00000000000001
        return round(_percent(float(raw or ""), source, scale=100.0), 2)
    except ValueError:
        raise ReportError(
            f"{source} is not {_XML}: line-rate {raw!r} is not a number",
            fix="pass the file written by `coverage xml`",
        ) from None


def _percent(value: float, source: str, *, scale: float = 1.0) -> float:
    percent = value * scale
    if not 0.0 <= percent <= 100.0:  # noqa: PLR2004 - the bounds of a percentage
        raise ReportError(
            f"{source} has an impossible coverage of {percent}%",
            fix="pass the report coverage.py wrote; it is damaged",
        )
    return percent
