"""Safe XML reading for reports: no DTDs, no entities, errors that name the file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from shipyard.errors import ReportError

_DECLARATIONS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def load_xml(data: bytes | str, *, source: str, expected: str) -> ET.Element:
    """Parse `data` as XML, refusing any DTD or entity declaration (billion laughs, XXE)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise ReportError(
            f"{source} is not {expected}: not UTF-8 text ({error.reason} at byte {error.start})",
            fix="pass the XML report the tool wrote",
        ) from error
    if not text.strip():
        raise ReportError(
            f"{source} is not {expected}: the file is empty",
            fix="check that the tool ran and wrote its report to this path",
        )
    if (match := _DECLARATIONS.search(text)) is not None:
        raise ReportError(
            f"{source} is refused: it contains a <!{match[1].upper()}> declaration, which tool reports "
            "never need and which can expand entities or read local files",
            fix="pass the report the tool wrote; do not post-process it",
        )
    # the XML declaration may name an encoding; the text is already decoded
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    try:
        return ET.fromstring(text)  # noqa: S314 - declarations were refused above
    except ET.ParseError as error:
        line, column = error.position
        raise ReportError(
            f"{source} is not {expected}: malformed XML at line {line} column {column}",
            fix="the report is truncated or corrupt; re-run the tool",
        ) from error
