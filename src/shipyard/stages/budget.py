"""Stage-time budgets: a green stage that ran longer than its group's budget fails.

`[tool.shipyard.budgets]` gives each stage of a group its budget (Stage.budget); the runner applies
it to the time the stage's action took. A cache hit ran nothing, so it never counts.
"""

from __future__ import annotations

from dataclasses import replace

from shipyard.stages.result import StageResult, Status


def within_budget(result: StageResult, *, seconds: float, budget: float | None, group: str) -> StageResult:
    """`result`, or a FAILED one naming the time and the budget when a passed stage ran over it."""
    if budget is None or seconds <= budget or result.status is not Status.PASSED:
        return result
    over = f"ran {seconds:.1f}s, over the {group} budget of {budget:g}s"
    return replace(
        result,
        status=Status.FAILED,
        summary=f"{over} ({result.summary})",
        details=(f"{over}: speed it up or raise [tool.shipyard.budgets] {group}", *result.details),
    )
