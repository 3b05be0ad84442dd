"""The publish stage's verdict: every tag points at the manifest list, signed when asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run, executor_report

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome

PUBLISH_JSON = "publish.json"


@dataclass(frozen=True)
class EvaluatePublish:
    """Preflight refusals and failed pushes fail; the digest and refs are recorded."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the publish stage from the executor's publish report."""
        broken = broken_run(outcome)
        if broken:
            return broken
        data = executor_report(outcome, PUBLISH_JSON, "publish")
        if isinstance(data, StageResult):
            return data
        refs = [str(r) for r in data.get("refs", [])]
        digest = str(data.get("digest", ""))
        return StageResult(
            status=Status.PASSED,
            summary=f"published {digest[:19]} as {', '.join(refs)}",
            counts={"digest": digest, "tags": len(refs), "signed": str(bool(data.get("signed")))},
            artifacts=(PUBLISH_JSON,),
        )
