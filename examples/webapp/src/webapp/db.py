"""The PostgreSQL side of the service: one short-lived connection per call."""

from __future__ import annotations

import psycopg

CONNECT_TIMEOUT_SECONDS = 2

_CREATE_VISITS = """
CREATE TABLE IF NOT EXISTS visits (
    id BIGSERIAL PRIMARY KEY,
    visited_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


class Database:
    """The service's database, reached through a libpq connection URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True)

    def ping(self) -> bool:
        """Return True when the server answers `SELECT 1`."""
        try:
            with self._connect() as conn:
                row = conn.execute("SELECT 1").fetchone()
        except psycopg.Error:
            return False
        return row == (1,)

    def record_visit(self) -> int:
        """Store one visit and return how many there are now."""
        with self._connect() as conn:
            conn.execute(_CREATE_VISITS)
            conn.execute("INSERT INTO visits DEFAULT VALUES")
            row = conn.execute("SELECT count(*) FROM visits").fetchone()
        assert row is not None
        return int(row[0])
