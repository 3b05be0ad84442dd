"""TOML files read for facts about a project.

One that is missing or does not parse reads as empty: the config loader is the one that reports
a pyproject.toml that does not parse.

A plan asks for the same few files dozens of times (every stage builder reads pyproject.toml), so
a document is parsed once per content: kept by its file's size, mtime, ctime and inode, and
trusted only once that mtime is RACY_SECONDS old — a file written twice within the clock's
granularity, to the same size, keeps its mtime (git's "racy" rule).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    from pathlib import Path


RACY_SECONDS = 2.0
"""How old a file's mtime must be before a parse of it is reused."""
_PARSED: dict[str, tuple[tuple[int, int, int, int], dict[str, Any]]] = {}


def toml_document(path: Path) -> dict[str, Any]:
    """The document at `path`, or `{}` when it is missing, unreadable or not TOML.

    Read only: an unchanged file gives the same dict to every caller.
    """
    try:
        stat = path.stat()
    except OSError:
        return {}
    signature = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    kept = _PARSED.get(str(path))
    if kept is not None and kept[0] == signature:
        return kept[1]
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_SECONDS * 1e9:
        _PARSED[str(path)] = (signature, document)
    return document


def toml_table(data: object, *keys: str) -> dict[str, Any]:
    """The table at `keys` below `data` (a TOML document or table), or `{}` where one is missing."""
    for key in keys:
        data = cast("dict[str, object]", data).get(key) if isinstance(data, dict) else None
    return cast("dict[str, Any]", data) if isinstance(data, dict) else {}


def toml_strings(value: object) -> list[str]:
    """The strings of a TOML array (`members = [...]`); anything else in it, or a non-array, is dropped."""
    items = cast("list[object]", value) if isinstance(value, list) else []
    return [item for item in items if isinstance(item, str)]
