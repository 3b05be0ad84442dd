"""The core's Executor interface on Dagger: the core runner drives it, the core evaluates.

Each stage's output directory stays a Dagger `Directory` (downstream stages mount it) and is also
exported into the module runtime's filesystem, where the core's evaluate functions and report
writers read it. Image archives stay in the engine: a build stage exports only its metadata, and
publish exports the archives it pushes for the core's OCI client (publish-package, the dist/ it
uploads, for the core's index client).
"""

from __future__ import annotations

import functools
import json
import secrets
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

import anyio
import anyio.to_thread
import dagger
from dagger import dag

from shipyard.errors import EngineError
from shipyard.publish.index_run import run_index_publish
from shipyard.publish.run import run_publish
from shipyard.stages.build import IMAGE_TAR, METADATA_JSON
from shipyard.stages.compose import setup_error
from shipyard.stages.compose_inspect import services_in_config
from shipyard.stages.compose_observation import HEALTH_JSON, LOGS_TXT, ComposeObservation, ProbeAttempt
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.probe_verdict import PROBE_PAUSE, attempts_allowed, probe_label, probe_passed
from shipyard.stages.publish import publish_params
from shipyard.stages.sbom import CYCLONEDX_JSON
from shipyard.stages.services import SERVICES_JSON, services_problem
from shipyard.stages.spec import (
    LOG_FILE,
    OUTDIR,
    TAIL_LINES,
    BuildStep,
    ComposeStep,
    ContainerStep,
    IndexPublishStep,
    PublishStep,
)
from shipyard_ci import compose, services
from shipyard_ci.publish import DaggerSigner, export_dist, publish_inputs
from shipyard_ci.translate import (
    build_container,
    command_states,
    setup_files,
    stage_tree,
    step_container,
    uncompressed_tarball,
    with_source,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.executor import StepContext
    from shipyard.stages.probe_verdict import AnyProbe
    from shipyard.stages.spec import Stage, VolumeFile

OCI_LABELS = (
    "org.opencontainers.image.revision",
    "org.opencontainers.image.version",
    "org.opencontainers.image.created",
)


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
        setup = stage_tree(self.source, setup_files(step, files), git=False)
        return step_container(
            step,
            self.tree(stage, files),
            images=self._images(step),
            secrets=self.secrets,
            setup_tree=setup,
            outputs=self._outputs(step),
        )

    def _images(self, step: ContainerStep) -> dict[str, dagger.Container]:
        return {wanted.stage: self.images[wanted.stage] for wanted in step.images_from}

    def _outputs(self, step: ContainerStep) -> dict[str, dagger.Directory]:
        return {given.stage: self.outputs[given.stage] for given in step.files_from}

    async def run(self, stage: Stage, context: StepContext) -> StageOutcome:
        """Run one stage's action and export what it wrote into `context.out_dir`."""
        action = stage.action
        if isinstance(action, ContainerStep):
            return await self._run_container(stage, action, context)
        if isinstance(action, BuildStep):
            return await self._run_build(stage, action, context)
        if isinstance(action, ComposeStep):
            return await self._run_compose(stage, action, context)
        if isinstance(action, PublishStep):
            return await self._run_publish(stage, action, context)
        return await self._run_index_publish(stage, action, context)

    async def restore(self, stage: Stage, out_dir: Path) -> None:
        """Nothing to restore: the engine's own cache makes repeated stages cheap."""
        del stage, out_dir

    async def close(self) -> None:
        """Nothing to remove: the engine owns every container."""

    async def observe(self, files: tuple[VolumeFile, ...]) -> tuple[str, ...]:
        """Never called: the module keeps no stage cache (the engine's own caches apply)."""
        raise EngineError(
            f"the Dagger module keeps no stage cache to key by {len(files)} observed file(s)",
            fix="please report",
        )

    async def _run_container(self, stage: Stage, step: ContainerStep, context: StepContext) -> StageOutcome:
        if step.services is None:
            return await self._run_commands(stage, step, context, {})
        tree = self.tree(stage, context.files) or dag.directory()
        project = f"shipyard-{stage.id}".replace(".", "-")
        seen, started = await services.start(step.services, tree, project)
        try:
            if services_problem(step.services, seen) is not None:  # the core says the leg cannot run
                return StageOutcome(stage_id=stage.id, out_dir=context.out_dir)
            return await self._run_commands(stage, step, context, started)
        finally:
            await services.stop(started)
            (context.out_dir / SERVICES_JSON).write_text(seen.to_json(), encoding="utf-8")

    async def _run_commands(
        self, stage: Stage, step: ContainerStep, context: StepContext, bound: Mapping[str, dagger.Service]
    ) -> StageOutcome:
        base = self.container(stage, step, context.files)
        for name, service in bound.items():  # reachable by service name from every command
            base = base.with_service_binding(name, service)
        last = base
        runs: list[tuple[int, str]] = []
        source = with_source(step, self.tree(stage, context.files), self._images(step), self._outputs(step))
        for state in command_states(base, step, source=source):
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
            size = await uncompressed_tarball(image).size()
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
            .with_new_file(METADATA_JSON, json.dumps(metadata, indent=2, sort_keys=True))
        )
        self.images[stage.id] = image
        self.outputs[stage.id] = out
        (context.out_dir / METADATA_JSON).write_text(json.dumps(metadata, indent=2, sort_keys=True), "utf-8")
        ok = CommandOutcome(label="build", argv=argv, exit_code=0)
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(ok,), metadata=metadata)

    async def _run_publish(self, stage: Stage, step: PublishStep, context: StepContext) -> StageOutcome:
        """The core's publish, with the archives exported from the engine and a signer on the engine."""
        # the archives are exported for the push only: removed after it, whatever happened
        with tempfile.TemporaryDirectory(prefix="shipyard-publish-") as scratch:
            inputs = await publish_inputs(step, context, self.outputs, Path(scratch))
            signer = None
            if step.sign and "sbom" in self.outputs:
                sbom = self.outputs["sbom"].file(CYCLONEDX_JSON)
                signer = DaggerSigner(publish_params(stage.params), sbom, self.secrets)
            call = functools.partial(run_publish, stage, step, context, inputs, signer)
            return await anyio.to_thread.run_sync(call)

    async def _run_index_publish(
        self, stage: Stage, step: IndexPublishStep, context: StepContext
    ) -> StageOutcome:
        """The core's upload, with the package stage's dist/ exported from the engine."""
        with tempfile.TemporaryDirectory(prefix="shipyard-dist-") as scratch:
            dist = await export_dist(step, self.outputs, Path(scratch))
            call = functools.partial(run_index_publish, stage, step, context, dist)
            return await anyio.to_thread.run_sync(call)

    async def _run_compose(self, stage: Stage, step: ComposeStep, context: StepContext) -> StageOutcome:
        # started explicitly so the stack stays up between the execs that probe it
        daemon = await compose.dockerd().start()
        try:
            seen, logs = await self._compose_health(stage, step, context, daemon)
        finally:
            _ = await daemon.stop()
        text = seen.to_json()
        out = dag.directory().with_new_file(HEALTH_JSON, text)
        (context.out_dir / HEALTH_JSON).write_text(text, encoding="utf-8")
        if seen.logs:
            out = out.with_new_file(seen.logs, logs)
            (context.out_dir / seen.logs).write_text(logs, encoding="utf-8")
        self.outputs[stage.id] = out
        ran = seen.up or seen.image_load or seen.config
        command = CommandOutcome(
            label="compose", argv=ran.argv, exit_code=ran.exit_code, output_tail=ran.output
        )
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(command,))

    async def _compose_health(
        self, stage: Stage, step: ComposeStep, context: StepContext, daemon: dagger.Service
    ) -> tuple[ComposeObservation, str]:
        tree = self.tree(stage, context.files) or dag.directory()
        image = self.outputs.get(step.image_from) if step.image_from else None
        # a nonce: a cached `up` would leave no stack running in this daemon for the probes
        nonce = secrets.token_hex(8)
        ctr = compose.cli(step, tree, image, daemon, nonce=nonce)
        _, config, printed = await compose.observe_exec(ctr, compose.config_argv(step))
        if config.exit_code == 0:  # the file with `.env` values interpolated is data, not a message
            config = config.model_copy(update={"output": ""})
        seen = ComposeObservation(executor=self.name, config=config)
        if config.exit_code == 0:
            found = services_in_config(printed, source=f"docker compose config of {step.file}")
            seen = seen.model_copy(update={"services_in_file": found})
        if image is not None and setup_error(step, seen) is None:
            ctr, load = await compose.load_image(ctr)
            seen = seen.model_copy(update={"image_load": load})
        if setup_error(step, seen) is not None:  # the core says the stack cannot be tried
            return seen, ""
        up_ctr, up, _ = await compose.observe_exec(ctr, compose.up_argv(step))
        services = await compose.inspect_services(up_ctr, step)
        attempts: list[ProbeAttempt] = []
        if up.exit_code == 0:
            probe_ctr = compose.prober(step, daemon, nonce=nonce)
            for index, probe in enumerate(step.probes):
                attempts += await self._probe(step, up_ctr, probe_ctr, index, probe)
        logs_argv = compose.compose_argv(step, "logs", "--no-color", "--timestamps")
        _, _, logs = await compose.observe_exec(up_ctr, logs_argv)
        update = {"up": up, "services": services, "attempts": tuple(attempts), "logs": LOGS_TXT}
        return seen.model_copy(update=update), logs

    @staticmethod
    async def _probe(
        step: ComposeStep, up: dagger.Container, probe_ctr: dagger.Container, index: int, probe: AnyProbe
    ) -> list[ProbeAttempt]:
        """Every attempt of one probe: the core's count and pause, stopping once the core says passed."""
        label = probe_label(probe)
        attempts: list[ProbeAttempt] = []
        for number in range(1, attempts_allowed(step) + 1):
            if number > 1:
                await anyio.sleep(PROBE_PAUSE)
            fields = await compose.attempt_fields(step, up, probe_ctr, probe, f"{index}.{number}")
            attempt = ProbeAttempt.model_validate(
                {"probe": index, "label": label, "attempt": number, **fields}
            )
            attempts.append(attempt)
            if probe_passed(probe, attempt):
                break
        return attempts


def _exec_exit(exc: dagger.ExecError) -> int:
    return int(exc.exit_code)


def _exec_text(exc: dagger.ExecError, name: str) -> str:
    return str(cast("object", getattr(exc, name, "")) or "")
