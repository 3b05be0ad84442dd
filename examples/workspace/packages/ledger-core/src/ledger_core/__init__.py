"""Amounts in cents: parsed from text, formatted back."""

from __future__ import annotations

__all__ = ["format_cents", "parse_amount"]


def parse_amount(text: str) -> int:
    """`12.34` → 1234 cents; at most two decimals; a leading `-` for debits."""
    sign = -1 if text.startswith("-") else 1
    whole, _, fraction = text.removeprefix("-").partition(".")
    if not whole.isdigit() or len(fraction) > 2 or (fraction and not fraction.isdigit()):
        raise ValueError(f"not an amount: {text!r}")
    return sign * (int(whole) * 100 + int(fraction.ljust(2, "0") or "0"))


def format_cents(cents: int) -> str:
    """1234 → `12.34`, -5 → `-0.05`."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"
