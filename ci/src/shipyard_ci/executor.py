"""The core's Executor interface on Dagger: the core runner drives it, the core evaluates.

Each stage's output directory stays a Dagger `Directory` (downstream stages mount it, image
tarballs never leave the engine for that) and is also exported into the module runtime's
filesystem, where the core's evaluate functions and report writers read it.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import TYPE_CHECKING, cast

import anyio
import dagger
from dagger import dag

from shipyard.stages.build import IMAGE_TAR, METADATA_JSON, SCAN_TAR
from shipyard.stages.compose import HEALTH_JSON, probe_label
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.spec import OUTDIR, BuildStep, ComposeStep, ContainerStep
from shipyard_ci import compose
from shipyard_ci.translate import build_container, command_states, scan_tarball, stage_tree, step_container

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from shipyard.executor import StepContext
    from shipyard.stages.spec import Stage

TAIL_LINES = 30
LOG_FILE = "log.txt"
OCI_LABELS = (
    "org.opencontainers.image.revision",
    "org.opencontainers.image.version",
    "org.opencontainers.image.created",
)
COMPOSE_LOGS = "compose-logs.txt"
PROBE_PAUSE = 1.0
"""Seconds between probe attempts (the core's retries are one second apart)."""


def _tail(*texts: str) -> str:
    lines = [line for text in texts for line in text.splitlines()]
    return "\n".join(lines[-TAIL_LINES:])


class DaggerExecutor:
    """Runs stage actions on the Dagger engine the module is called from."""

    name = "dagger"

    def __init__(
        self, source: dagger.Directory, root: Path, secrets: Mapping[str, dagger.Secret] | None = None
    ) -> None:
        self.source = source
        self.root = root
        """Where the source was exported in the module runtime (to know whether `.git` exists)."""
        self.secrets = dict(secrets or {})
        self.outputs: dict[str, dagger.Directory] = {}
        """Each finished stage's OUTDIR, by stage id (inputs of downstream stages)."""
        self.images: dict[str, dagger.Container] = {}
        """Built images, by build stage id."""

    def tree(self, stage: Stage, files: tuple[str, ...]) -> dagger.Directory | None:
        """The files a stage reads, as the core selected them."""
        git = stage.inputs.git_history and (self.root / ".git").is_dir()
        return stage_tree(self.source, files, git=git)

    def container(self, stage: Stage, step: ContainerStep, files: tuple[str, ...]) -> dagger.Container:
        """The step's container before its commands run."""
        inputs = {upstream: self.outputs[upstream] for upstream, _ in step.inputs_from}
        return step_container(step, self.tree(stage, files), inputs=inputs, secrets=self.secrets)

    async def run(self, stage: Stage, context: StepContext) -> StageOutcome:
        """Run one stage's action and export what it wrote into `context.out_dir`."""
        action = stage.action
        if isinstance(action, ContainerStep):
            return await self._run_container(stage, action, context)
        if isinstance(action, BuildStep):
            return await self._run_build(stage, action, context)
        if isinstance(action, ComposeStep):
            return await self._run_compose(stage, action, context)
        return StageOutcome(
            stage_id=stage.id,
            out_dir=context.out_dir,
            error="publish runs through `dagger call publish`, after this graph passed",
        )

    async def restore(self, stage: Stage, out_dir: Path) -> None:
        """Nothing to restore: the engine's own cache makes repeated stages cheap."""
        del stage, out_dir

    async def close(self) -> None:
        """Nothing to remove: the engine owns every container."""

    async def _run_container(self, stage: Stage, step: ContainerStep, context: StepContext) -> StageOutcome:
        base = self.container(stage, step, context.files)
        last = base
        runs: list[tuple[int, str]] = []
        for state in command_states(base, step.commands):
            try:
                runs.append((await state.exit_code(), await state.combined_output()))
            except dagger.ExecError as exc:
                runs.append((_exec_exit(exc), _tail(_exec_text(exc, "stdout"), _exec_text(exc, "stderr"))))
                break
            last = state
        out = last.directory(OUTDIR)
        self.outputs[stage.id] = out
        _ = await out.export(str(context.out_dir))
        outcomes: list[CommandOutcome] = []
        log: list[str] = []
        for command, (code, output) in zip(step.commands, runs, strict=False):
            saved = context.out_dir / command.stdout if command.stdout else None
            redirected = saved.read_text("utf-8", "replace") if saved and saved.is_file() else ""
            log += [f"$ {' '.join(command.argv)}", redirected + output, f"[exit {code}]"]
            outcomes.append(
                CommandOutcome(
                    label=command.label,
                    argv=command.argv,
                    exit_code=code,
                    output_tail=_tail(redirected, output),
                )
            )
        (context.out_dir / LOG_FILE).write_text("\n".join(log) + "\n", encoding="utf-8")
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=tuple(outcomes))

    async def _run_build(self, stage: Stage, step: BuildStep, context: StepContext) -> StageOutcome:
        started = time.monotonic()
        tree = self.tree(stage, context.files) or dag.directory()
        image = build_container(step, tree)
        argv = ("docker-build", f"--platform={step.platform}", f"--file={step.dockerfile}", step.context)
        tarball = image.as_tarball()
        try:
            size = await tarball.size()
            user = await image.user()
            labels = {name: await image.label(name) or "" for name in OCI_LABELS}
        except dagger.QueryError as exc:
            failed = CommandOutcome(label="build", argv=argv, exit_code=1, output_tail=_tail(str(exc)))
            return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(failed,))
        metadata = {
            "tag": step.tag,
            "platform": step.platform,
            "size": str(size),
            "user": user,
            "seconds": f"{time.monotonic() - started:.1f}",
            **{f"label:{k}": v for k, v in labels.items() if v},
        }
        out = (
            dag.directory()
            .with_file(IMAGE_TAR, tarball)
            .with_file(SCAN_TAR, scan_tarball(image))
            .with_new_file(METADATA_JSON, json.dumps(metadata, indent=2, sort_keys=True))
        )
        self.images[stage.id] = image
        self.outputs[stage.id] = out
        _ = await out.export(str(context.out_dir))
        ok = CommandOutcome(label="build", argv=argv, exit_code=0)
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(ok,), metadata=metadata)

    async def _run_compose(self, stage: Stage, step: ComposeStep, context: StepContext) -> StageOutcome:
        daemon = compose.dockerd()
        # started explicitly so the stack stays up between the execs that probe it
        daemon = await daemon.start()
        try:
            health, logs = await self._compose_health(stage, step, context, daemon)
        finally:
            _ = await daemon.stop()
        text = json.dumps(health, indent=2)
        out = dag.directory().with_new_file(HEALTH_JSON, text)
        (context.out_dir / HEALTH_JSON).write_text(text, encoding="utf-8")
        if logs:
            out = out.with_new_file(COMPOSE_LOGS, logs)
            (context.out_dir / COMPOSE_LOGS).write_text(logs, encoding="utf-8")
        self.outputs[stage.id] = out
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir)

    async def _compose_health(
        self, stage: Stage, step: ComposeStep, context: StepContext, daemon: dagger.Service
    ) -> tuple[dict[str, object], str]:
        tree = self.tree(stage, context.files) or dag.directory()
        image = self.outputs.get(step.image_from) if step.image_from else None
        # a nonce: a cached `up` would leave no stack running in this daemon for the probes
        up = compose.cli(step, tree, image, daemon, nonce=secrets.token_hex(8))
        problems: list[str] = []
        passed: list[str] = []
        code, output = await up.exit_code(), await up.combined_output()
        if code != 0:
            problems.append(f"docker compose up --wait failed (exit {code}): {_tail(output)[-300:]}")
        ps = await up.with_exec(compose.compose_argv(step, "ps", "--all", "--format", "json")).stdout()
        if not problems:
            for index, probe in enumerate(step.probes):
                problem = await self._probe(step, up, index, probe)
                if problem is None:
                    passed.append(probe_label(probe))
                else:
                    problems.append(problem)
        logs = ""
        if problems:
            logs = await up.with_exec(compose.compose_argv(step, "logs", "--no-color")).stdout()
        return {"services": compose.services(ps), "probes": passed, "problems": problems}, logs

    @staticmethod
    async def _probe(step: ComposeStep, up: dagger.Container, index: int, probe: object) -> str | None:
        problem: str | None = None
        for attempt in range(step.retries + 1):
            run = up.with_env_variable("SHIPYARD_PROBE_ATTEMPT", f"{index}.{attempt}").with_exec(
                compose.probe_argv(step, probe), expect=dagger.ReturnType.ANY
            )
            problem = compose.probe_problem(probe, await run.exit_code(), await run.stdout())
            if problem is None:
                return None
            await anyio.sleep(PROBE_PAUSE)
        return problem


def _exec_exit(exc: dagger.ExecError) -> int:
    return int(exc.exit_code)


def _exec_text(exc: dagger.ExecError, name: str) -> str:
    return str(cast("object", getattr(exc, name, "")) or "")
