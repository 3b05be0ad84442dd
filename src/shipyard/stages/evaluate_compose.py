"""The compose stage's verdict: every service healthy and every probe answered in time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run, executor_report

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome

HEALTH_JSON = "compose-health.json"


@dataclass(frozen=True)
class EvaluateCompose:
    """Unhealthy services, timeouts and failed probes fail; the health report names them."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the compose stage from the executor's health report."""
        broken = broken_run(outcome, may_fail=("compose",))
        if broken:
            return broken
        health = executor_report(outcome, HEALTH_JSON, "compose")
        if isinstance(health, StageResult):
            return health
        problems = [str(p) for p in health.get("problems", [])]
        services = health.get("services", {})
        probes = health.get("probes", [])
        summary = f"{len(services)} service(s) healthy, {len(probes)} probe(s) passed"
        if problems:
            return StageResult(
                status=Status.FAILED, summary=problems[0], details=tuple(problems), artifacts=(HEALTH_JSON,)
            )
        return StageResult(
            status=Status.PASSED,
            summary=summary,
            counts={"services": len(services), "probes": len(probes)},
            artifacts=(HEALTH_JSON,),
        )
