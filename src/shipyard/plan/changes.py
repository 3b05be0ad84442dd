"""Change detection: which stages a set of changed paths makes necessary.

A stage must run when a changed path is one of its inputs, or when a stage it needs must run.
History scanners run on any change (new commits are new history). A docs-only change therefore
runs only the light secret scanners.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.plan.sources import select

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shipyard.plan.graph import Plan


def affected(plan: Plan, changed: Iterable[str]) -> dict[str, str]:
    """Stage id → why it must run, for every stage of `plan` the changes touch."""
    paths = tuple(changed)
    reasons: dict[str, str] = {}
    for stage in plan.stages:
        upstream = next((n for n in stage.needs if n in reasons), None)
        hit = select(paths, stage.inputs)
        if hit:
            more = f" (+{len(hit) - 1} more)" if len(hit) > 1 else ""
            reasons[stage.id] = f"{hit[0]} changed{more}"
        elif stage.inputs.git_history and paths:
            reasons[stage.id] = "history changed"
        elif upstream is not None:
            reasons[stage.id] = f"needs {upstream}, which must run"
    return reasons
