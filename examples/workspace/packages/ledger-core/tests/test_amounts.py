from __future__ import annotations

import pytest

from ledger_core import format_cents, parse_amount


@pytest.mark.parametrize(
    ("text", "cents"), [("12.34", 1234), ("0.5", 50), ("-3", -300), ("7.", 700)]
)
def test_amounts_parse_to_cents(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "1.234", "a.00", "1.x", "--1"])
def test_a_malformed_amount_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(text)


def test_cents_format_back() -> None:
    assert [format_cents(c) for c in (1234, 50, -5, 0)] == ["12.34", "0.50", "-0.05", "0.00"]
