"""Findings of a run's stages, for the merged SARIF log: this run's stages only, never leftovers.

Each stage's verdict carries the findings its evaluate function read from its own reports (a
cache hit carries the cached run's), so nothing is re-read from the output folder, where stages
of earlier runs may still lie.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shipyard.gates.result import SuppressedFinding
    from shipyard.parsers.findings import Finding
    from shipyard.runner import RunState


def collect(state: RunState) -> tuple[list[Finding], list[SuppressedFinding]]:
    """Every finding of the run's stages, in plan order, and the allowlisted ones."""
    findings: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    for run in state.runs.values():
        if run.result is not None:
            findings.extend(run.result.findings)
            suppressed.extend(run.result.suppressed)
    return findings, suppressed
