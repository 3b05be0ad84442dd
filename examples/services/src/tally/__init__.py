"""Named counters kept in PostgreSQL."""

from __future__ import annotations

import psycopg

__all__ = ["Counters", "valid_name"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (name text PRIMARY KEY, value bigint NOT NULL)"
_BUMP = (
    "INSERT INTO counters (name, value) VALUES (%s, %s) "
    "ON CONFLICT (name) DO UPDATE SET value = counters.value + EXCLUDED.value RETURNING value"
)


def valid_name(name: str) -> bool:
    """A counter name: 1 to 64 characters of letters, digits, `-`, `_` and `.`."""
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name)


class Counters:
    """Counters in the database at `url`."""

    def __init__(self, url: str) -> None:
        self._url = url
        with psycopg.connect(url) as conn:
            conn.execute(_SCHEMA)

    def bump(self, name: str, by: int = 1) -> int:
        """Add `by` to counter `name` (created at 0); return its new value."""
        if not valid_name(name):
            raise ValueError(f"not a counter name: {name!r}")
        with psycopg.connect(self._url) as conn:
            row = conn.execute(_BUMP, (name, by)).fetchone()
        assert row is not None
        return int(row[0])

    def get(self, name: str) -> int:
        """The value of counter `name` (0 when it was never bumped)."""
        with psycopg.connect(self._url) as conn:
            row = conn.execute("SELECT value FROM counters WHERE name = %s", (name,)).fetchone()
        return int(row[0]) if row else 0
