"""The Mann-Whitney U test: whether two samples come from one distribution, without scipy.

Two-sided, with the normal approximation, the tie correction of the variance and the continuity
correction, as `scipy.stats.mannwhitneyu(x, y, method="asymptotic")` computes it. Benchmark rounds
are many (tens to thousands) and rarely tied, where the approximation is close to exact.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class UTest:
    """The outcome of one test."""

    u: float
    """U of the first sample: how often one of its values exceeds one of the second (ties count half)."""
    p: float
    """The two-sided p-value: how likely a difference this large is when both come from one distribution."""


def mann_whitney(x: Sequence[float], y: Sequence[float]) -> UTest:
    """Test `x` against `y`; both must hold at least one value."""
    n1, n2 = len(x), len(y)
    if not n1 or not n2:
        msg = "the Mann-Whitney U test needs at least one value in each sample"
        raise ValueError(msg)
    ranks = _ranks([*x, *y])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    ties = sum(t**3 - t for t in Counter([*x, *y]).values())
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if variance <= 0:  # every value equal: nothing tells the samples apart
        return UTest(u=u1, p=1.0)
    z = (abs(u1 - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return UTest(u=u1, p=min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2))))


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks of `values` in their own order, tied values sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks
