"""Against the real PostgreSQL at DATABASE_URL (shipyard starts the `db` service for them)."""

from __future__ import annotations

import os
import uuid

import pytest

from ledger_api import Ledger


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(os.environ["DATABASE_URL"])


def test_entries_add_up_to_the_balance(ledger: Ledger) -> None:
    account = f"acct-{uuid.uuid4().hex[:8]}"
    assert ledger.balance(account) == "0.00"
    ledger.post(account, "12.34")
    ledger.post(account, "-2.34")
    assert ledger.balance(account) == "10.00"


def test_a_malformed_amount_never_reaches_the_database(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        ledger.post("acct", "12.345")
