"""The lint stage's verdict: ruff's JSON report and format check, and the type checker's exit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.gates.lint import lint_gate
from shipyard.parsers.ruff import parse_ruff_check, parse_ruff_format
from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run, from_gate, last_line, missing, report

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome

RUFF_JSON = "ruff.json"
FORMAT_TXT = "ruff-format.txt"


@dataclass(frozen=True)
class EvaluateLint:
    """Ruff violations or unformatted files fail; so does a failing type check."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the lint stage."""
        broken = broken_run(outcome, may_fail=("ruff-check", "ruff-format", "typecheck"))
        if broken:
            return broken
        if outcome.exit_code("ruff-check") is None:
            return self._typecheck_only(outcome)
        check = report(outcome, RUFF_JSON)
        if check is None:
            return missing(outcome, "ruff-check", RUFF_JSON)
        fmt = report(outcome, FORMAT_TXT)
        check_report = parse_ruff_check(check[0], source=check[1])
        format_report = parse_ruff_format(fmt[0], source=fmt[1]) if fmt else None
        gate = lint_gate(check_report, format_report)
        result = from_gate(
            gate,
            counts={
                "violations": len(check_report.violations),
                "unformatted": len(format_report.unformatted) if format_report else 0,
            },
            artifacts=(RUFF_JSON, FORMAT_TXT),
        )
        return _with_typecheck(replace(result, findings=check_report.findings), outcome)

    def _typecheck_only(self, outcome: StageOutcome) -> StageResult:
        base = StageResult(status=Status.PASSED, summary="type check passed")
        return _with_typecheck(base, outcome)


def _with_typecheck(result: StageResult, outcome: StageOutcome) -> StageResult:
    code = outcome.exit_code("typecheck")
    if code in {None, 0}:
        return result
    command = next(c for c in outcome.commands if c.label == "typecheck")
    return replace(
        result,
        status=Status.FAILED,
        summary=f"{result.summary}; type check failed: {last_line(command)}",
        details=(*result.details, *command.output_tail.splitlines()[-10:]),
        counts={**result.counts, "typecheck_exit": code or 0},
        artifacts=(*result.artifacts, "typecheck.txt"),
    )


evaluate_lint = EvaluateLint()
