"""`shipyard debug STAGE`: an interactive shell in exactly the container a stage runs in."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from shipyard.cli.options import stage_options
from shipyard.errors import ConfigError, EngineError
from shipyard.executor import StepContext
from shipyard.plan.sources import select
from shipyard.session import Selection, open_session
from shipyard.stages.spec import ContainerStep

SHELLS = ("/bin/bash", "/bin/sh")


@click.command("debug")
@click.argument("stage_id", metavar="STAGE")
@stage_options
@click.option("--shell", default=None, help="Shell to start (default: bash, else sh).")
def command(
    stage_id: str,
    source: Path,
    pythons: tuple[str, ...],
    packages: tuple[str, ...],
    platforms: tuple[str, ...],
    shell: str | None,
) -> None:
    """Open a shell in STAGE's container: same image, files, tools, caches and env (no secrets)."""
    session = open_session(
        source, Selection(names=(stage_id,), pythons=pythons, packages=packages, platforms=platforms)
    )
    matches = [s for s in session.plan.stages if stage_id in {s.id, s.group}]
    if not matches:
        raise ConfigError(f"no stage {stage_id!r} in this plan", fix="see `shipyard plan` for the stage ids")
    stage = matches[-1]
    if not isinstance(stage.action, ContainerStep):
        raise ConfigError(
            f"{stage.id} is a {stage.action.kind} stage, not a container step",
            fix="debug a container stage (lint, test-3.12, sbom, scan-*); builds: run docker buildx yourself",
        )
    if shutil.which("docker") is None:
        raise EngineError("the docker CLI is needed for an interactive shell", fix="install docker-cli")
    from shipyard.docker.executor import DockerExecutor  # noqa: PLC0415 - only this command needs docker

    executor = DockerExecutor()
    out_dir = Path(tempfile.mkdtemp(prefix=f"shipyard-debug-{stage.id}-"))
    context = StepContext(
        root=session.project.root,
        files=tuple(select(session.files, stage.inputs)),
        out_dir=out_dir,
        upstream={n: session.out_root / n for n in stage.needs},
    )
    container = executor.containers.create(stage, stage.action, context, keepalive=True)
    try:
        container.start()
        click.echo(f"shipyard debug: {stage.id} in {stage.action.image} (container {container.short_id})")
        click.echo(f"the stage would run, in {stage.action.workdir}:\n{pasteable(stage.action)}")
        chosen = shell or _first_shell(container)
        argv = ["docker", "exec", "-it" if sys.stdin.isatty() else "-i", "-w", stage.action.workdir]
        argv += [arg for key in stage.action.env for arg in ("-e", key)]
        env = {**os.environ, **stage.action.env}
        code = subprocess.call([*argv, container.id, chosen], env=env)
    finally:
        container.remove(force=True, v=True)  # with the volumes of the environment's directories
        shutil.rmtree(out_dir, ignore_errors=True)
    sys.exit(code)


def pasteable(step: ContainerStep) -> str:
    """The step's commands, one shell-quoted line each, ready to paste into the debug shell."""
    return "\n".join("  " + shlex.join(command.argv) for command in step.commands)


def _first_shell(container: object) -> str:
    for candidate in SHELLS:
        result = container.exec_run(["test", "-x", candidate])  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
        if result.exit_code == 0:  # pyright: ignore[reportUnknownMemberType]
            return candidate
    raise ConfigError("the stage's image has no shell", fix="pass --shell with a program the image has")
