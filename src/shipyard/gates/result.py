"""What every gate returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config.models import AllowlistEntry  # noqa: TC001 - field types the stage cache resolves
from shipyard.parsers.findings import Finding  # noqa: TC001 - at runtime (plan/cache.py)

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True, slots=True)
class SuppressedFinding:
    """A finding an active allowlist entry keeps from counting."""

    finding: Finding
    """The finding."""
    entry: AllowlistEntry
    """The entry that suppresses it (its reason goes into SARIF)."""


@dataclass(frozen=True, slots=True)
class GateResult:
    """A gate's verdict: passed or not, why, and which findings it counted."""

    gate: str
    """The gate's name: lint, test, scan."""
    passed: bool
    """Whether the stage passes."""
    summary: str
    """One line for the job summary."""
    reasons: tuple[str, ...] = ()
    """Why it failed, one line each; empty when it passed."""
    counted: tuple[Finding, ...] = ()
    """Findings that count against the gate."""
    suppressed: tuple[SuppressedFinding, ...] = ()
    """Findings an active allowlist entry suppressed."""
    notes: tuple[str, ...] = ()
    """Things worth knowing that do not change the verdict (or explain a change), e.g. expired entries."""


def count_by(values: Iterable[str]) -> str:
    """`E501 x3, F401 x1`: counts, most frequent first, ties by name."""
    counts = Counter(values)
    return ", ".join(f"{key} x{n}" for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
