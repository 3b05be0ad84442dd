"""lint: ruff check and ruff format --check, plus the project's type checker when configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.stages import install
from shipyard.stages.common import RUFF_CACHE, code_filter, newest_python, python_image, tool_binary
from shipyard.stages.evaluate_lint import evaluate_lint
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, Stage, ToolBinary

if TYPE_CHECKING:
    from shipyard.config.load import Project

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
