"""Which baseline the bench gate compares with: the run-history service's, the file, or none.

With `--report-to URL`, before the run, the core asks the service for the benchmarks of the last
green run of the baseline branch (GET /api/projects/<p>/baseline). They win over the file in
`.shipyard/baselines/`; a service that is down, has no such run yet or answers something else is
named in the gate's line, and the gate falls back to the file or says there is no baseline yet.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from shipyard.baselines import ServedBaseline
from shipyard.errors import ShipyardError
from shipyard.parsers.bench import parse_bench
from shipyard.serve.client import fetch_baseline, service_base
from shipyard.stages.bench import BENCH_ID, EvaluateBench

if TYPE_CHECKING:
    from shipyard.plan.graph import Plan

SERVE_TIMEOUT = 10.0
"""Seconds the service gets to answer before the gate falls back to the file."""


class Fetch(Protocol):
    """How the baseline is asked for (shipyard.serve.client.fetch_baseline; a fake in tests)."""

    def __call__(
        self, url: str, project: str, *, branch: str, stage: str, timeout: float
    ) -> dict[str, object] | None:
        """The service's answer; None when it has no such run; OSError when it cannot answer."""
        ...


def served(answer: dict[str, object] | None, *, base: str, branch: str) -> tuple[ServedBaseline | None, str]:
    """The service's answer as a baseline, or None and why it is not one."""
    if answer is None:
        return None, f"serve {base} has no green run on {branch} with benchmarks yet"
    run, report = answer.get("run"), answer.get("report")
    if not isinstance(run, int) or isinstance(run, bool) or not isinstance(report, dict):
        return None, f"serve {base} answered a baseline without 'run' and 'report'"
    try:
        parsed = parse_bench(json.dumps(report), source=f"serve {base}, run {run}")
    except ShipyardError as exc:
        return None, f"serve {base} answered a baseline that is not one: {exc.message}"
    if not parsed.benchmarks:
        return None, f"serve {base}'s run {run} on {branch} holds no benchmarks"
    return ServedBaseline(report=parsed, origin=f"serve {base}, run {run} on {branch}"), ""


def with_served_baseline(
    plan: Plan, *, url: str, project: str, fetch: Fetch = fetch_baseline, timeout: float = SERVE_TIMEOUT
) -> Plan:
    """`plan` with its bench stage told the service's baseline (or why there is none from there)."""
    if BENCH_ID not in plan.ids:
        return plan
    stage = plan.get(BENCH_ID)
    evaluate = stage.evaluate
    if stage.not_applicable or not isinstance(evaluate, EvaluateBench):
        return plan
    base = service_base(url)
    try:
        answer = fetch(base, project, branch=evaluate.branch, stage=BENCH_ID, timeout=timeout)
    except OSError as exc:
        baseline, note = None, f"serve {base} unavailable: {exc}"
    else:
        baseline, note = served(answer, base=base, branch=evaluate.branch)
    judged = replace(stage, evaluate=replace(evaluate, served=baseline, serve_note=note))
    return replace(plan, stages=tuple(judged if s.id == BENCH_ID else s for s in plan.stages))
