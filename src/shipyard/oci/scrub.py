"""Remove secret values from text before it is logged, raised or written to a report."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

MASK = "***"
MIN_LENGTH = 3
"""Shorter values are not masked: masking every `a` would garble the text and reveal little."""


class Scrubber:
    """Masks each secret value, every line of a multi-line one, and registry auth's base64 form."""

    def __init__(self, values: Iterable[str]) -> None:
        found: set[str] = set()
        for value in values:
            if not value:
                continue
            found.add(value)
            found.update(line.strip() for line in value.splitlines())
        self._values = sorted((v for v in found if len(v) >= MIN_LENGTH), key=len, reverse=True)

    @classmethod
    def for_registry(cls, username: str, password: str, *others: str) -> Scrubber:
        """The password, `user:password` in base64 (docker config `auth`), and other secrets."""
        auth = base64.b64encode(f"{username}:{password}".encode()).decode() if password else ""
        return cls((password, auth, *others))

    def __call__(self, text: str) -> str:
        """The text with every secret value replaced by `***`."""
        for value in self._values:
            text = text.replace(value, MASK)
        return text
