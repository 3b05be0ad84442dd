"""lint: ruff check and ruff format --check, plus the project's type checker when configured."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.config.toml_document import toml_document
from shipyard.stages import install
from shipyard.stages.common import (
    ALWAYS_EXCLUDED,
    CONTAINER_FILES,
    RUFF_CACHE,
    UV_CACHE,
    newest_python,
    python_image,
    tool_binary,
    tool_path,
)
from shipyard.stages.result import StageResult, Status
from shipyard.stages.ruff_version import RuffPin, project_ruff
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, SourceFilter, Stage, ToolBinary
from shipyard.stages.verdicts import broken_run, from_gate, last_line, missing, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.outcome import StageOutcome


RUFF = tool_path("ruff")
RUFF_JSON = "ruff.json"
FORMAT_TXT = "ruff-format.txt"
TYPECHECK_TXT = "typecheck.txt"
DEFAULT_SOURCE = "shipyard's default"
RUFF_FILES = (
    "**/*.py",
    "**/*.pyi",
    "**/*.ipynb",
    "**/*.md",
    "**/pyproject.toml",
    "**/ruff.toml",
    "**/.ruff.toml",
)
"""Every file `ruff check .` / `ruff format --check .` reads: its sources and its configuration."""
PIN_FILES = ("uv.lock", "*requirements*.txt", "requirements/*.txt", ".pre-commit-config.yaml")
"""Where the project's ruff version is read from (ruff_version): a new pin re-runs the stage (and
`plan --since`, which goes by paths, must see a lock change as lint's)."""
MARKDOWN_FILES = ("**/*.md",)
"""What ruff reads only for its Python code blocks: prose edits there never change lint's verdict."""
RUFF_CONFIG_FILES = ("ruff.toml", ".ruff.toml")
ERRORS_ONLY = ("E9", "F63", "F7")
"""The rules a project that never chose ruff is held to: syntax errors, invalid comparisons, and
statements Python refuses (`return` outside a function...) — code that cannot be right. Not F82
(undefined names): tests raise NameError on purpose and IPython code calls `get_ipython` (rich
has seven such). Anything more would be ruff's style judged on a project that keeps another
(black, flake8, none), so its format is not judged either."""
NOT_CHOSEN = (
    "the project has no ruff configuration: errors-only rules, format not judged; "
    "add [tool.ruff] or set [tool.shipyard.lint] ruff = true for ruff's full defaults"
)


def chooses_ruff(project: Project) -> bool:
    """Whether the project uses ruff.

    A ruff table or file (in its folder or at its workspace root), a ruff pin (ruff_version), or
    `[tool.shipyard.lint] ruff` set by the user.
    """
    if "ruff" in project.config.lint.model_fields_set or project_ruff(project.root, project.lock_root):
        return True
    for folder in dict.fromkeys((project.root, project.lock_root)):
        if any((folder / name).is_file() for name in RUFF_CONFIG_FILES):
            return True
        tool = toml_document(folder / "pyproject.toml").get("tool")
        if isinstance(tool, dict) and "ruff" in tool:
            return True
    return False


def ruff_used(project: Project) -> RuffPin:
    """The ruff the lint stage runs: the project's pinned version, else shipyard's pinned default."""
    default = project.config.tools["ruff"].tag.removeprefix("v")
    return project_ruff(project.root, project.lock_root) or RuffPin(version=default, source=DEFAULT_SOURCE)


def _ruff_command(project: Project, ruff: RuffPin) -> tuple[tuple[str, ...], ToolBinary]:
    """How to call that ruff: the pinned tool image's binary, or `uv tool run` of the project's version."""
    if ruff.version == project.config.tools["ruff"].tag.removeprefix("v"):
        return (RUFF,), tool_binary(project, "ruff", RUFF)
    argv = (install.UV, "tool", "run", "--from", f"ruff=={ruff.version}", "ruff")
    return argv, tool_binary(project, "uv", install.UV)


def lint_filter(project: Project) -> SourceFilter:
    """What ruff reads when run on `.` from the root; its own include/exclude then apply.

    With a type checker: the whole project (the checker needs the project's environment).
    """
    if project.config.lint.typecheck != "none":
        return SourceFilter(include=("**",), exclude=(*ALWAYS_EXCLUDED, *CONTAINER_FILES))
    return SourceFilter(include=(*RUFF_FILES, *PIN_FILES), exclude=ALWAYS_EXCLUDED, code_only=MARKDOWN_FILES)


def lint_stage(project: Project) -> Stage:
    """The lint stage for `project`."""
    lint = project.config.lint
    version = newest_python(project)
    commands: list[Command] = []
    tools: list[ToolBinary] = []
    env = {"RUFF_CACHE_DIR": RUFF_CACHE.path, "NO_COLOR": "1"}
    caches = [RUFF_CACHE]
    ruff = ruff_used(project)
    ruff_argv, ruff_tool = _ruff_command(project, ruff)
    fetches_ruff = ruff_argv[0] != RUFF
    if fetches_ruff:  # the project's ruff comes from PyPI through uv
        env |= {"UV_CACHE_DIR": UV_CACHE.path, "UV_PYTHON_DOWNLOADS": "never"}
        caches.append(UV_CACHE)
    chosen = chooses_ruff(project)
    if lint.ruff:
        tools.append(ruff_tool)
        select = () if chosen else (f"--select={','.join(ERRORS_ONLY)}",)
        commands.append(
            Command(
                argv=(
                    *ruff_argv,
                    "check",
                    "--no-fix",
                    *select,
                    "--output-format=json",
                    f"--output-file={OUTDIR}/{RUFF_JSON}",
                    *lint.paths,
                ),
                may_fail=True,
                label="ruff-check",
            )
        )
        if chosen:
            commands.append(
                Command(
                    argv=(*ruff_argv, "format", "--check", *lint.paths),
                    may_fail=True,
                    label="ruff-format",
                    stdout=FORMAT_TXT,
                )
            )
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
        inputs=lint_filter(project),
        action=ContainerStep(
            image=python_image(project, version),
            commands=tuple(commands),
            env=env,
            caches=tuple(dict.fromkeys(caches)),
            tools=tuple(dict.fromkeys(tools)),
            network=lint.typecheck != "none" or (lint.ruff and fetches_ruff),
        ),
        evaluate=EvaluateLint(ruff=ruff if lint.ruff else None, errors_only=lint.ruff and not chosen),
        outputs=(RUFF_JSON, FORMAT_TXT),
        params={
            "typecheck": lint.typecheck,
            "paths": ",".join(lint.paths),
            "ruff": f"{ruff.version} ({ruff.source})",
            "ruff_rules": "project" if chosen else ",".join(ERRORS_ONLY),
        },
    )


@dataclass(frozen=True)
class EvaluateLint:
    """Ruff violations or unformatted files fail; so does a failing type check."""

    ruff: RuffPin | None = None
    """The ruff that ran (named in the summary), when ruff ran."""
    errors_only: bool = False
    """The project has no ruff configuration: ERRORS_ONLY ran, the format was not checked."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the lint stage."""
        # here, not at the top: a stage that was a cache hit loads no parser or gate
        from shipyard.gates.lint import lint_gate  # noqa: PLC0415 - as above
        from shipyard.parsers.ruff import parse_ruff_check, parse_ruff_format  # noqa: PLC0415 - as above

        broken = broken_run(outcome, may_fail=("ruff-check", "ruff-format", "typecheck"))
        if broken:
            return broken
        if outcome.exit_code("ruff-check") is None:
            return self._typecheck_only(outcome)
        check = report(outcome, RUFF_JSON)
        if check is None:
            return missing(outcome, "ruff-check", RUFF_JSON)
        fmt = None if self.errors_only else report(outcome, FORMAT_TXT)
        check_report = parse_ruff_check(check[0], source=check[1])
        format_report = parse_ruff_format(fmt[0], source=fmt[1]) if fmt else None
        gate = lint_gate(check_report, format_report)
        if self.errors_only:  # not "format did not run": it was not asked of this project
            gate = replace(gate, notes=(NOT_CHOSEN,))
        result = from_gate(
            gate,
            counts={
                "violations": len(check_report.violations),
                "unformatted": len(format_report.unformatted) if format_report else 0,
            },
            artifacts=(RUFF_JSON, FORMAT_TXT),
        )
        which = f" (ruff {self.ruff.version}, {self.ruff.source})" if self.ruff else ""
        if self.errors_only:
            which += f"; {NOT_CHOSEN}"
        result = replace(result, summary=result.summary + which, findings=check_report.findings)
        return _with_typecheck(result, outcome)

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
