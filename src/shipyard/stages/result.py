"""The verdict on a stage, as the gates and the reports see it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from shipyard.gates.bench import Comparison  # noqa: TC001 - a field type the stage cache resolves
from shipyard.gates.result import SuppressedFinding  # noqa: TC001 - field types the stage cache resolves
from shipyard.parsers.findings import Finding  # noqa: TC001 - at runtime (plan/cache.py)


class Status(str, enum.Enum):
    """How a stage ended."""

    PASSED = "passed"
    FAILED = "failed"
    """It ran and its gate failed."""
    ERROR = "error"
    """It could not run to the end (bad setup, engine failure, missing image)."""
    SKIPPED = "skipped"
    """It did not run: an upstream stage failed, or a part cannot run here (with the reason)."""
    NOT_APPLICABLE = "n/a"
    """The project has nothing for it (no Dockerfile, no compose file)."""

    @property
    def ok(self) -> bool:
        """Whether this status lets dependent stages and the pipeline go on."""
        return self in {Status.PASSED, Status.NOT_APPLICABLE}


@dataclass(frozen=True)
class StageResult:
    """A stage's verdict, with the numbers and findings the summary shows."""

    status: Status
    summary: str
    """One line: what happened, with the key numbers."""
    details: tuple[str, ...] = ()
    """Further lines: each failure, expired allowlist entry, skipped part with its reason."""
    counts: dict[str, int | float | str] = field(default_factory=dict[str, int | float | str])
    """Numbers for the summary table and the history: tests, failures, coverage, findings."""
    artifacts: tuple[str, ...] = ()
    """Report files written, relative to the stage's output directory."""
    findings: tuple[Finding, ...] = ()
    """What the stage's tools reported, read from its own reports: ruff's violations, the scanners'
    findings (below the threshold too); allowlisted ones are in `suppressed` instead. The merged
    SARIF log is built from these, so it holds this run's stages only."""
    suppressed: tuple[SuppressedFinding, ...] = ()
    """Scan findings an active allowlist entry kept from counting (SARIF shows them as suppressed)."""
    benchmarks: tuple[Comparison, ...] = ()
    """The bench stage's benchmarks against the baseline, with this run's rounds (the summary and
    report.html show them; a run-history service keeps them as the next runs' baseline)."""
    reusable: bool = False
    """A verdict that is not green but holds as long as the state its stage observes is the same
    (`Stage.observes`): a scan whose only skipped parts lacked their vulnerability DB. The stage
    cache keeps it, keyed by that state, so the parts that ran are not run again while the skip
    stays visible; a DB that appears changes the key and the stage runs."""
