"""Against the real PostgreSQL at DATABASE_URL (shipyard starts the `db` service for them)."""

from __future__ import annotations

import os
import uuid

import pytest

from tally import Counters, valid_name


@pytest.fixture
def counters() -> Counters:
    return Counters(os.environ["DATABASE_URL"])


def test_a_new_counter_starts_at_zero_and_counts(counters: Counters) -> None:
    name = f"c-{uuid.uuid4().hex[:8]}"
    assert counters.get(name) == 0
    assert counters.bump(name) == 1
    assert counters.bump(name, by=41) == 42
    assert counters.get(name) == 42


def test_a_bad_name_is_refused_before_the_database(counters: Counters) -> None:
    with pytest.raises(ValueError, match="not a counter name"):
        counters.bump("no spaces")


@pytest.mark.parametrize(
    ("name", "ok"), [("visits", True), ("a.b-c_d", True), ("", False), ("x" * 65, False)]
)
def test_valid_name(name: str, ok: bool) -> None:
    assert valid_name(name) is ok
