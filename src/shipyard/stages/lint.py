"""lint: ruff check and ruff format --check, plus the project's type checker when configured."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.gates.lint import lint_gate
from shipyard.parsers.ruff import parse_ruff_check, parse_ruff_format
from shipyard.stages import install
from shipyard.stages.common import RUFF_CACHE, code_filter, newest_python, python_image, tool_binary
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, Stage, ToolBinary
from shipyard.stages.verdicts import broken_run, from_gate, last_line, missing, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.outcome import StageOutcome


RUFF = "/usr/local/bin/ruff"
RUFF_JSON = "ruff.json"
FORMAT_TXT = "ruff-format.txt"
TYPECHECK_TXT = "typecheck.txt"


def lint_stage(project: Project) -> Stage:
    """The lint stage for `project`."""
    lint = project.config.lint
    version = newest_python(project)
    commands: list[Command] = []
    tools: list[ToolBinary] = []
    env = {"RUFF_CACHE_DIR": RUFF_CACHE.path, "NO_COLOR": "1"}
    if lint.ruff:
        tools.append(tool_binary(project, "ruff", RUFF))
        commands += [
            Command(
                argv=(
                    RUFF,
                    "check",
                    "--no-fix",
                    "--output-format=json",
                    f"--output-file={OUTDIR}/{RUFF_JSON}",
                    *lint.paths,
                ),
                may_fail=True,
                label="ruff-check",
            ),
            Command(
                argv=(RUFF, "format", "--check", *lint.paths),
                may_fail=True,
                label="ruff-format",
                stdout=FORMAT_TXT,
            ),
        ]
    caches = [RUFF_CACHE]
    if lint.typecheck != "none":
        setup = install.setup_for(project, version)
        tools += setup.tools
        env |= setup.env
        caches += setup.caches
        commands += [
            *setup.commands,
            Command(
                argv=(install.venv_bin(lint.typecheck), "."),
                may_fail=True,
                label="typecheck",
                stdout=TYPECHECK_TXT,
            ),
        ]
    return Stage(
        id="lint",
        group="lint",
        description="ruff check + ruff format --check"
        + (f" + {lint.typecheck}" if lint.typecheck != "none" else ""),
        needs=(),
        inputs=code_filter(),
        action=ContainerStep(
            image=python_image(project, version),
            commands=tuple(commands),
            env=env,
            caches=tuple(dict.fromkeys(caches)),
            tools=tuple(tools),
            network=lint.typecheck != "none",
        ),
        evaluate=evaluate_lint,
        outputs=(RUFF_JSON, FORMAT_TXT),
        params={"typecheck": lint.typecheck, "paths": ",".join(lint.paths)},
    )


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
