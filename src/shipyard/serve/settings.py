"""How `shipyard serve` is configured (the CLI fills this in from options and environment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shipyard.serve.stats import Settings

if TYPE_CHECKING:
    from pathlib import Path

MAX_BODY = 1024 * 1024
"""Largest accepted summary: 1 MiB (a full-tier summary is about 10 KiB)."""


@dataclass(frozen=True)
class ServeSettings:
    """Everything the app needs besides the database."""

    database_url: str
    token: str | None = None
    """Bearer token for `POST /api/runs`; without one, ingest is disabled."""
    max_body: int = MAX_BODY
    history_limit: int = 500
    """Runs per project read for the history pages and stats."""
    trends: Settings = field(default_factory=Settings)


def sqlite_url(data_dir: Path) -> str:
    """The default database: a SQLite file in the data directory."""
    return f"sqlite:///{(data_dir / 'shipyard.db').resolve()}"
