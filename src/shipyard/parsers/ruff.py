"""`ruff check --output-format=json` and the outcome of `ruff format --check`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from shipyard.errors import ReportError
from shipyard.parsers._json import Fields, load_json, wrong_report
from shipyard.parsers.findings import Finding

_CHECK = "a ruff check JSON report"
_FORMAT = "ruff format --check output"
LINT_SEVERITY = "MEDIUM"
"""Ruff has no severities; every violation is reported as MEDIUM (a SARIF warning)."""


@dataclass(frozen=True, slots=True)
class RuffViolation:
    """One `ruff check` violation."""

    code: str
    """The rule code, e.g. F401; `syntax-error` for files ruff could not parse."""
    message: str
    """Ruff's message for this occurrence."""
    filename: str
    """The file as ruff printed it (absolute when ruff ran on absolute paths)."""
    row: int
    """1-based line of the start of the violation."""
    column: int
    """1-based column of the start of the violation."""
    fix: str | None
    """The fix's applicability (`safe`, `unsafe`, `display-only`) or None when ruff has no fix."""
    url: str | None
    """The rule's documentation page."""


@dataclass(frozen=True, slots=True)
class RuffCheckReport:
    """A parsed `ruff check` JSON report."""

    source: str
    """The file it was read from."""
    violations: tuple[RuffViolation, ...]
    """Every violation, in ruff's order."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The violations as lint findings."""
        return tuple(
            Finding(
                tool="ruff",
                id=v.code,
                severity=LINT_SEVERITY,
                title=v.message,
                location=f"{v.filename}:{v.row}",
                kind="lint",
                path=v.filename,
                line=v.row,
            )
            for v in self.violations
        )


@dataclass(frozen=True, slots=True)
class RuffFormatReport:
    """The files `ruff format --check` would reformat."""

    source: str
    """The file it was read from."""
    unformatted: tuple[str, ...]
    """Paths that would be reformatted, in ruff's order."""


def parse_ruff_check(data: bytes | str, *, source: str) -> RuffCheckReport:
    """Parse `ruff check --output-format=json` output (a list of violations; `[]` when clean)."""
    document = load_json(data, source=source, expected=_CHECK)
    if not isinstance(document, list):
        raise wrong_report(document, source=source, expected=_CHECK, want="a list of violations")
    items = cast("list[object]", document)
    return RuffCheckReport(
        source=source,
        violations=tuple(_violation(item, source=source, index=i) for i, item in enumerate(items)),
    )


def _violation(item: object, *, source: str, index: int) -> RuffViolation:
    fields = Fields(item, source=source, expected=_CHECK, where=f"violation #{index + 1}")
    if "filename" not in fields.obj or "location" not in fields.obj:
        raise wrong_report(
            [item], source=source, expected=_CHECK, want="violations with 'filename' and 'location'"
        )
    location = fields.child("location", f"violation #{index + 1}'s location")
    fix = fields.obj.get("fix")
    applicability = None
    if fix is not None:
        applicability = Fields(
            fix, source=source, expected=_CHECK, where=f"violation #{index + 1}'s fix"
        ).opt_text("applicability")
        applicability = applicability or "safe"
    return RuffViolation(
        code=fields.opt_text("code") or fields.opt_text("name") or "syntax-error",
        message=fields.text("message"),
        filename=fields.text("filename"),
        row=location.integer("row"),
        column=location.integer("column"),
        fix=applicability,
        url=fields.opt_text("url"),
    )


_LEGACY = re.compile(r"^Would reformat: (?P<path>.+)$")
_CONCISE = re.compile(r"^(?P<path>.+?):\d+:\d+: unformatted: ")
_FULL_HEADER = re.compile(r"^unformatted: ")
_ARROW = re.compile(r"^\s*--> (?P<path>.+?):\d+:\d+$")
_SUMMARY = re.compile(
    r"^(?:(?P<would>\d+) files? would be reformatted)?(?:, )?(?:\d+ files? already formatted)?$"
)


def parse_ruff_format(data: bytes | str, *, source: str) -> RuffFormatReport:
    """Parse what `ruff format --check` printed on stdout, in any of its output formats.

    Understood: `--output-format=json` (ruff ≥ 0.15), the `full` and `concise` formats
    (`unformatted: File would be reformatted` diagnostics), and the classic
    `Would reformat: path` lines of older ruff. Empty output means nothing to reformat.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    if text.lstrip().startswith("["):
        return _format_json(text, source=source)
    paths: list[str] = []
    declared: int | None = None
    recognised = False
    after_header = False
    for line in text.splitlines():
        match = _LEGACY.match(line) or _CONCISE.match(line) or (_ARROW.match(line) if after_header else None)
        if match is not None:
            paths.append(match["path"])
        elif line.strip() and (summary := _SUMMARY.match(line.strip())) is not None:
            declared = int(summary["would"]) if summary["would"] else 0
        else:
            after_header = after_header or _FULL_HEADER.match(line) is not None
            continue
        recognised = True
        after_header = False
    if text.strip() and not recognised:
        raise ReportError(
            f"{source} is not {_FORMAT}: no 'Would reformat' line, diagnostic or summary found",
            fix="store the stdout of `ruff format --check` (or use --output-format=json)",
        )
    if declared is not None and declared != len(paths):
        raise ReportError(
            f"{source} is not complete {_FORMAT}: the summary says {declared} file(s) would be "
            f"reformatted but {len(paths)} are listed",
            fix="store the whole stdout of `ruff format --check`",
        )
    return RuffFormatReport(source=source, unformatted=tuple(paths))


def _format_json(text: str, *, source: str) -> RuffFormatReport:
    document = load_json(text, source=source, expected=_FORMAT)
    if not isinstance(document, list):
        raise wrong_report(document, source=source, expected=_FORMAT, want="a list of diagnostics")
    paths: list[str] = []
    for index, item in enumerate(cast("list[object]", document)):
        fields = Fields(item, source=source, expected=_FORMAT, where=f"diagnostic #{index + 1}")
        if fields.opt_text("code") != "unformatted":
            raise fields.error(
                f"has code {fields.obj.get('code')!r}, not 'unformatted' (a ruff check report?)"
            )
        paths.append(fields.text("filename"))
    return RuffFormatReport(source=source, unformatted=tuple(paths))
