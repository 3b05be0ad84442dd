"""TOML files read for facts about a project.

One that is missing or does not parse reads as empty: the config loader is the one that reports
a pyproject.toml that does not parse.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    from pathlib import Path


def toml_document(path: Path) -> dict[str, Any]:
    """The document at `path`, or `{}` when it is missing, unreadable or not TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def toml_table(data: object, *keys: str) -> dict[str, Any]:
    """The table at `keys` below `data` (a TOML document or table), or `{}` where one is missing."""
    for key in keys:
        data = cast("dict[str, object]", data).get(key) if isinstance(data, dict) else None
    return cast("dict[str, Any]", data) if isinstance(data, dict) else {}


def toml_strings(value: object) -> list[str]:
    """The strings of a TOML array (`members = [...]`); anything else in it, or a non-array, is dropped."""
    items = cast("list[object]", value) if isinstance(value, list) else []
    return [item for item in items if isinstance(item, str)]
