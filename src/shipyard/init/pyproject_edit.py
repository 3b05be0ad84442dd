"""Put a `[tool.shipyard]` table into a pyproject.toml and leave everything else as it was.

The table is appended as text, so every other byte of the file stays where it was: comments,
key order, quoting, blank lines. An existing table (replaced only with `--force`) is first
removed with tomlkit, which keeps the rest of the document's formatting.
"""

from __future__ import annotations

import sys
from typing import Any, cast

import tomlkit
from tomlkit.exceptions import TOMLKitError

from shipyard.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def _shipyard(text: str) -> object:
    tool = cast("dict[str, Any]", tomllib.loads(text).get("tool", {}))
    return tool.get("shipyard")


def without_table(text: str) -> str:
    """`text` without its `[tool.shipyard]` table (and sub-tables)."""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"pyproject.toml: not valid TOML: {exc}", fix="correct the TOML syntax") from exc
    tool = cast("dict[str, object] | None", document.get("tool"))
    if tool is not None and "shipyard" in tool:
        del tool["shipyard"]
        if not tool:
            del document["tool"]
    return tomlkit.dumps(document)


def with_table(text: str, rendered: str) -> str:
    """`text` with `rendered` (a `[tool.shipyard]` table from table.render) in place of any old one."""
    base = without_table(text) if _shipyard(text) is not None else text
    merged = f"{base.rstrip()}\n\n{rendered}" if base.strip() else rendered
    if _shipyard(merged) != _shipyard(rendered):  # pragma: no cover - a `tool` written as an inline table
        raise ConfigError(
            "pyproject.toml writes [tool] in a form a table cannot be appended to",
            fix="run shipyard init --config shipyard.toml to write the table beside it",
        )
    return merged
