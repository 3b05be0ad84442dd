"""A ledger of accounts kept in PostgreSQL; amounts as ledger-core parses them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pg8000.native
from ledger_core import format_cents, parse_amount

__all__ = ["Ledger"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS entries (account text NOT NULL, cents bigint NOT NULL)"


class Ledger:
    """Entries per account in the database at `url` (postgresql://user:password@host:port/db)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._connect = {
            "user": parts.username or "postgres",
            "password": parts.password,
            "host": parts.hostname or "localhost",
            "port": parts.port or 5432,
            "database": parts.path.lstrip("/") or None,
        }
        self._run(_SCHEMA)

    def _run(self, sql: str, **params: object) -> list[list[object]]:
        conn = pg8000.native.Connection(**self._connect)
        try:
            return conn.run(sql, **params) or []
        finally:
            conn.close()

    def post(self, account: str, amount: str) -> None:
        """Record `amount` (text, e.g. `-12.50`) on `account`."""
        self._run("INSERT INTO entries VALUES (:a, :c)", a=account, c=parse_amount(amount))

    def balance(self, account: str) -> str:
        """The account's balance, formatted (`0.00` for an account with no entries)."""
        rows = self._run(
            "SELECT coalesce(sum(cents), 0) FROM entries WHERE account = :a", a=account
        )
        return format_cents(int(str(rows[0][0])))
