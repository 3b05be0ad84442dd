"""Careful JSON reading shared by the parsers: every failure names the file and what is wrong."""

from __future__ import annotations

import json
from typing import cast

from shipyard.errors import ReportError

JsonObject = dict[str, object]


def load_json(data: bytes | str, *, source: str, expected: str) -> object:
    """Decode `data` as JSON, or raise a ReportError saying it is not `expected` ("a Trivy JSON report")."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise ReportError(
            f"{source} is not {expected}: not UTF-8 text ({error.reason} at byte {error.start})",
            fix="pass the report file the tool wrote, not a binary",
        ) from error
    if not text.strip():
        raise ReportError(
            f"{source} is not {expected}: the file is empty",
            fix="check that the tool ran and wrote its report to this path",
        )
    try:
        return cast("object", json.loads(text))
    except json.JSONDecodeError as error:
        raise ReportError(
            f"{source} is not {expected}: invalid JSON at line {error.lineno} "
            f"column {error.colno} ({error.msg})",
            fix="the report is truncated or corrupt; re-run the tool",
        ) from error


def as_object(value: object) -> JsonObject | None:
    """`value` as a JSON object, or None when it is something else."""
    return cast("JsonObject", value) if isinstance(value, dict) else None


def as_list(value: object) -> list[object] | None:
    """`value` as a JSON list, or None when it is something else."""
    return cast("list[object]", value) if isinstance(value, list) else None


def sniff(value: object) -> str | None:
    """Name the tool whose report `value` looks like, for 'wrong report' messages."""
    if isinstance(value, dict):
        obj = cast("JsonObject", value)
        guesses = (
            ("SchemaVersion", "a Trivy JSON report"),
            ("bomFormat", "a CycloneDX SBOM"),
            ("spdxVersion", "an SPDX SBOM"),
            ("runs", "a SARIF log"),
            ("totals", "a coverage.py JSON report"),
            ("machine_info", "a pytest-benchmark JSON report"),
        )
        return next((name for key, name in guesses if key in obj), None)
    if isinstance(value, list):
        items = cast("list[object]", value)
        first = items[0] if items else None
        if isinstance(first, dict):
            keys = cast("JsonObject", first)
            if "RuleID" in keys and "Fingerprint" in keys:
                return "a gitleaks JSON report"
            if "code" in keys and "filename" in keys:
                return "a ruff JSON report"
    return None


def wrong_report(value: object, *, source: str, expected: str, want: str) -> ReportError:
    """The error for a document of the wrong shape, naming what it looks like when we can tell."""
    looks_like = sniff(value)
    got = f"it looks like {looks_like}" if looks_like else f"got {describe(value)}"
    return ReportError(
        f"{source} is not {expected}: expected {want}, {got}",
        fix="pass the report this tool wrote; check the stage's output paths",
    )


def describe(value: object) -> str:
    """A few words for the JSON type of `value`."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


class Fields:
    """Typed access to one JSON object of a report, with errors that say where the bad field is."""

    def __init__(self, value: object, *, source: str, expected: str, where: str) -> None:
        if not isinstance(value, dict):
            raise ReportError(
                f"{source} is not {expected}: {where} should be an object, got {describe(value)}",
                fix="pass the report this tool wrote; check the stage's output paths",
            )
        self.obj = cast("JsonObject", value)
        self.source = source
        self.expected = expected
        self.where = where

    def error(self, problem: str) -> ReportError:
        """A ReportError about this object."""
        return ReportError(
            f"{self.source} is not {self.expected}: {self.where} {problem}",
            fix="pass the report this tool wrote; re-run the tool if the file is damaged",
        )

    def text(self, key: str) -> str:
        """A required string field."""
        value = self.obj.get(key)
        if not isinstance(value, str):
            raise self.error(f"has no string {key!r} (got {describe(value)})")
        return value

    def opt_text(self, key: str) -> str | None:
        """An optional string field; empty strings count as absent."""
        value = self.obj.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.error(f"field {key!r} should be a string, got {describe(value)}")
        return value

    def integer(self, key: str) -> int:
        """A required integer field."""
        value = self.obj.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"has no integer {key!r} (got {describe(value)})")
        return value

    def opt_integer(self, key: str) -> int | None:
        """An optional integer field."""
        if self.obj.get(key) is None:
            return None
        return self.integer(key)

    def number(self, key: str) -> float:
        """A required number field."""
        value = self.obj.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise self.error(f"has no number {key!r} (got {describe(value)})")
        return float(value)

    def items(self, key: str, *, required: bool = False) -> list[object]:
        """A list field; absent or null is an empty list unless `required`."""
        value = self.obj.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.error(f"field {key!r} should be a list, got {describe(value)}")
        return cast("list[object]", value)

    def child(self, key: str, where: str) -> Fields:
        """A required nested object."""
        return Fields(self.obj.get(key), source=self.source, expected=self.expected, where=where)
