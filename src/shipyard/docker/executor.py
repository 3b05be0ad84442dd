"""The Docker executor: dispatches each stage action to its translation, and cleans up after a run."""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import docker.errors
import requests.exceptions

from shipyard.docker.build_step import ensure_loaded, run_build
from shipyard.docker.compose_step import ComposeRunner
from shipyard.docker.container_step import RUN_LABEL, ContainerRunner, ToolCache, ToolVolumes
from shipyard.docker.endpoint import current_endpoint
from shipyard.docker.engine import connect
from shipyard.docker.images import ImageResolver
from shipyard.docker.observe import observe_files
from shipyard.docker.publish_step import PublishRunner, index_publish
from shipyard.docker.services_step import run_with_services
from shipyard.errors import EngineError
from shipyard.stages.build import IMAGE_TAR
from shipyard.stages.spec import BuildStep, ComposeStep, ContainerStep, PublishStep

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.executor import StepContext
    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.spec import Stage, VolumeFile


class DockerExecutor:
    """Runs stage actions on a Docker Engine; every container it makes carries the run's label."""

    name = "docker"

    def __init__(self, client: Any = None, *, run_id: str | None = None, pull: bool = True) -> None:
        self.client: Any = client if client is not None else connect()
        # SHIPYARD_RUN_ID lets a caller (a test, a wrapper script) find this run's containers by label
        self.run_id = run_id or os.environ.get("SHIPYARD_RUN_ID") or secrets.token_hex(6)
        self.images = ImageResolver(self.client, pull=pull)
        labels = {RUN_LABEL: self.run_id}
        self.tools = ToolCache(self.client, self.images, labels)
        volumes = ToolVolumes(self.client, self.images, self.tools, labels)
        self.containers = ContainerRunner(self.client, self.images, volumes, self.run_id)
        self.endpoint = current_endpoint()
        self.compose = ComposeRunner(self.run_id, pull=pull, local=self.endpoint.local)
        self.publisher = PublishRunner(self.tools)

    def stand_ins(self) -> list[str]:
        """Pinned references this run replaced with seeded stand-ins (for the summary)."""
        return self.images.stand_ins()

    async def run(self, stage: Stage, context: StepContext) -> StageOutcome:
        """Run one stage's action in a worker thread (docker SDK calls block)."""
        action = stage.action
        if isinstance(action, ContainerStep) and action.services is not None:
            body = functools.partial(self.containers.run, stage, action, context)
            call = functools.partial(run_with_services, self.compose, stage, action.services, context, body)
        elif isinstance(action, ContainerStep):
            call = functools.partial(self.containers.run, stage, action, context)
        elif isinstance(action, BuildStep):
            # no per-run label: the same commit must give the same image
            call = functools.partial(run_build, self.client, stage, action, context)
        elif isinstance(action, ComposeStep):
            call = functools.partial(self.compose.run, stage, action, context)
        elif isinstance(action, PublishStep):
            call = functools.partial(self.publisher.run, stage, action, context)
        else:
            call = functools.partial(index_publish, stage, action, context)
        return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)

    async def observe(self, files: tuple[VolumeFile, ...]) -> tuple[str, ...]:
        """Each file's digest in its cache volume, or `absent` (docker.observe)."""
        labels = {RUN_LABEL: self.run_id}
        try:
            return await anyio.to_thread.run_sync(
                functools.partial(observe_files, self.client, self.images, files, labels)
            )
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            read = ", ".join(f.path for f in files)
            raise EngineError(
                f"could not read {read} from the engine: {str(exc).splitlines()[0]}",
                fix="check `docker info`; the stage runs without its cache meanwhile",
            ) from exc

    async def restore(self, stage: Stage, out_dir: Path) -> None:
        """After a build cache hit, load the cached image tarball when the engine no longer has the tag."""
        action = stage.action
        if isinstance(action, BuildStep):
            await anyio.to_thread.run_sync(
                functools.partial(ensure_loaded, self.client, action.tag, out_dir / IMAGE_TAR)
            )

    async def close(self) -> None:
        """Remove every container and network this run created (also after Ctrl-C)."""
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self.cleanup)

    def cleanup(self) -> None:
        """Synchronous cleanup, by label; and the publish step's temporary files."""
        self.containers.close()
        self.compose.cleanup()
        self.publisher.cleanup()
        selector = {"label": f"{RUN_LABEL}={self.run_id}"}
        with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException):
            for container in self.client.containers.list(all=True, filters=selector):
                with contextlib.suppress(docker.errors.APIError):
                    container.remove(force=True, v=True)
            for network in self.client.networks.list(filters=selector):
                with contextlib.suppress(docker.errors.APIError):
                    network.remove()
