"""Run a ContainerStep on the engine: one container, the project copied in, commands one by one.

A step with several commands keeps its container alive (`sleep`) and runs each command with
`docker exec`, so installs persist between commands; a single-command step runs its command as
the container's own process (tool images without a shell). Reports are copied out of OUTDIR
after the last command, also when a command failed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any

import docker.errors
import requests.exceptions

from shipyard.docker.archive import first_file, pack_bytes, pack_dir, pack_files, stream_file, unpack
from shipyard.docker.scan_archives import ScanArchives
from shipyard.errors import EngineError, StageError
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.spec import LOG_FILE, OUTDIR, TAIL_LINES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from shipyard.docker.images import ImageResolver
    from shipyard.executor import StepContext
    from shipyard.stages.spec import Command, ContainerStep, Stage, ToolBinary

KEEPALIVE = ("sleep", "86400")
RUN_LABEL = "dev.shipyard.run"
STAGE_LABEL = "dev.shipyard.stage"


def volume_name(cache: str) -> str:
    """The engine volume of a cache; SHIPYARD_CACHE_NAMESPACE isolates benchmarks and experiments."""
    namespace = os.environ.get("SHIPYARD_CACHE_NAMESPACE", "")
    return f"{cache}-{namespace}" if namespace else cache


class ToolCache:
    """Tool executables copied out of their images once per run."""

    def __init__(self, client: Any, images: ImageResolver, labels: Mapping[str, str]) -> None:
        self._client = client
        self._images = images
        self._labels = dict(labels)
        self._bytes: dict[tuple[str, str], bytes] = {}

    def get(self, tool: ToolBinary) -> bytes:
        """The executable's bytes."""
        key = (tool.image, tool.source)
        if key not in self._bytes:
            image = self._images.resolve(tool.image)
            holder = self._client.containers.create(
                image.id, entrypoint=["/shipyard-copy-only"], labels=self._labels
            )
            try:
                chunks, _ = holder.get_archive(tool.source)
                self._bytes[key] = first_file(chunks, what=f"{tool.tool} at {tool.source} in {tool.image}")
            except docker.errors.NotFound as exc:
                raise StageError(
                    f"{tool.image} has no {tool.source}",
                    fix=f"fix the binary path of tool {tool.tool!r} in [tool.shipyard.tools]",
                ) from exc
            finally:
                holder.remove(force=True)
        return self._bytes[key]


class ContainerRunner:
    """Runs container steps on one engine for one pipeline run."""

    def __init__(self, client: Any, images: ImageResolver, tools: ToolCache, run_id: str) -> None:
        self._client = client
        self._images = images
        self._tools = tools
        self._run_id = run_id
        self._closing = threading.Event()
        self._creating = 0
        self._idle = threading.Condition()
        self.scan_archives = ScanArchives()

    def close(self, timeout: float = 30) -> None:
        """Refuse new containers; wait (bounded) for creations in flight, which remove their own.

        A stage's worker thread outlives a cancelled run (Ctrl-C, SIGTERM): without this, a
        container created just after the cleanup listed the run's containers would stay behind.
        """
        self._closing.set()
        with self._idle:
            self._idle.wait_for(lambda: self._creating == 0, timeout=timeout)
        self.scan_archives.cleanup()

    def labels(self, stage: Stage) -> dict[str, str]:
        """Labels every container of this run carries (what cleanup looks for)."""
        return {RUN_LABEL: self._run_id, STAGE_LABEL: stage.id}

    def create(
        self,
        stage: Stage,
        step: ContainerStep,
        context: StepContext,
        *,
        keepalive: bool,
        command: tuple[str, ...] = (),
        networks: tuple[str, ...] = (),
    ) -> Any:
        """Create (not start) the step's container with the project's files and tools inside.

        `networks`: engine networks it joins besides its own (those of the step's services).
        """
        with self._idle:
            self._creating += 1
        try:
            return self._create(stage, step, context, keepalive=keepalive, command=command, networks=networks)
        finally:
            with self._idle:
                self._creating -= 1
                self._idle.notify_all()

    def _create(
        self,
        stage: Stage,
        step: ContainerStep,
        context: StepContext,
        *,
        keepalive: bool,
        command: tuple[str, ...],
        networks: tuple[str, ...],
    ) -> Any:
        self._refuse_when_closing()
        image = self._images.resolve(step.image, step.platform)
        for cache in step.caches:
            self._ensure_volume(volume_name(cache.name))
        argv = KEEPALIVE if keepalive else command
        container = self._client.containers.create(
            image.id,
            entrypoint=[argv[0]],
            command=list(argv[1:]),
            environment=dict(step.env),
            working_dir=step.workdir,
            labels=self.labels(stage),
            volumes={volume_name(c.name): {"bind": c.path, "mode": "rw"} for c in step.caches},
            platform=step.platform,
            network_disabled=not step.network,
            # no setuid/setcap binary in a stage's image can raise its privileges
            security_opt=["no-new-privileges"],
            detach=True,
        )
        try:
            for network in networks:  # service names resolve there (compose's network aliases)
                self._client.networks.get(network).connect(container)
            self._put(container, "/", pack_dir(OUTDIR.lstrip("/")))
            self._put(
                container, "/", pack_files(context.root, context.files, prefix=step.workdir.lstrip("/") + "/")
            )
            if stage.inputs.git_history and (context.root / ".git").is_dir():
                git_files = _walk(context.root / ".git")
                self._put(
                    container, "/", pack_files(context.root, git_files, prefix=step.workdir.lstrip("/") + "/")
                )
            for tool in step.tools:
                self._put(container, "/", pack_bytes(tool.dest.lstrip("/"), self._tools.get(tool)))
            for wanted in step.images_from:
                archive = self.scan_archives.get(context.upstream[wanted.stage], wanted.tag)
                self._put(container, "/", stream_file(archive, wanted.path.lstrip("/")))
            for given in step.files_from:
                upstream = context.upstream[given.stage]
                written = [str(p.relative_to(upstream)) for p in _files_below(upstream)]
                self._put(container, "/", pack_files(upstream, written, prefix=given.path.strip("/") + "/"))
            self._refuse_when_closing()
        except BaseException:
            container.remove(force=True)
            raise
        return container

    def _refuse_when_closing(self) -> None:
        if self._closing.is_set():
            raise StageError("the run is stopping: no new container", fix="run it again")

    def _ensure_volume(self, name: str) -> None:
        try:
            self._client.volumes.get(name)
        except docker.errors.NotFound:
            self._client.volumes.create(name, labels={"dev.shipyard.cache": "true"})

    @staticmethod
    def _put(container: Any, path: str, data: Any) -> None:
        if not container.put_archive(path, data):
            raise StageError(
                f"could not copy files into container {container.short_id}",
                fix="check the engine's disk space",
            )

    def run(
        self, stage: Stage, step: ContainerStep, context: StepContext, networks: tuple[str, ...] = ()
    ) -> StageOutcome:
        """Run every command of the step; copy the reports out; remove the container."""
        single = len(step.commands) == 1
        container = self.create(
            stage, step, context, keepalive=not single, command=step.commands[0].argv, networks=networks
        )
        outcomes: list[CommandOutcome] = []
        log_path = context.out_dir / LOG_FILE
        try:
            with log_path.open("a", encoding="utf-8") as log:

                def emit(line: str) -> None:
                    log.write(line + "\n")
                    context.log(line)

                if single:
                    outcomes.append(self._run_main(container, step.commands[0], context, emit))
                else:
                    container.start()
                    for command in step.commands:
                        outcome = self._exec(container, command, step, context, emit)
                        outcomes.append(outcome)
                        if outcome.exit_code != 0 and not command.may_fail:
                            break
            self._copy_out(container, context)
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            raise EngineError(
                f"stage {stage.id}: the engine failed: {str(exc).splitlines()[0]}",
                fix="check `docker info` and the engine's log",
            ) from exc
        finally:
            with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException):
                container.remove(force=True, v=True)
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=tuple(outcomes))

    def _run_main(
        self, container: Any, command: Command, context: StepContext, emit: Callable[[str], None]
    ) -> CommandOutcome:
        emit(f"$ {' '.join(command.argv)}")
        stream = self._client.api.attach(container.id, stream=True, logs=True, demux=True)
        container.start()
        tail, stdout = _consume(stream, emit)
        code = int(container.wait().get("StatusCode", 1))
        _save_stdout(command, context, stdout)
        emit(f"[exit {code}]")
        return CommandOutcome(
            label=command.label, argv=command.argv, exit_code=code, output_tail="\n".join(tail)
        )

    def _exec(
        self,
        container: Any,
        command: Command,
        step: ContainerStep,
        context: StepContext,
        emit: Callable[[str], None],
    ) -> CommandOutcome:
        emit(f"$ {' '.join(command.argv)}")
        exec_id = self._client.api.exec_create(
            container.id, list(command.argv), workdir=step.workdir, environment=dict(step.env)
        )["Id"]
        try:
            stream = self._client.api.exec_start(exec_id, stream=True, demux=True)
        except docker.errors.APIError as exc:
            emit(f"cannot start {command.argv[0]}: {exc}")
            return CommandOutcome(label=command.label, argv=command.argv, exit_code=127, output_tail=str(exc))
        tail, stdout = _consume(stream, emit)
        code = self._client.api.exec_inspect(exec_id).get("ExitCode")
        exit_code = 127 if code is None else int(code)
        _save_stdout(command, context, stdout)
        emit(f"[exit {exit_code}]")
        return CommandOutcome(
            label=command.label, argv=command.argv, exit_code=exit_code, output_tail="\n".join(tail)
        )

    @staticmethod
    def _copy_out(container: Any, context: StepContext) -> None:
        try:
            chunks, _ = container.get_archive(OUTDIR)
        except docker.errors.NotFound:
            return
        unpack(chunks, context.out_dir, strip=OUTDIR.strip("/"))


def _consume(
    stream: Iterator[tuple[bytes | None, bytes | None]], emit: Callable[[str], None]
) -> tuple[list[str], bytes]:
    tail: list[str] = []
    stdout = bytearray()
    pending = {1: b"", 2: b""}
    for out, err in stream:
        for fd, chunk in ((1, out), (2, err)):
            if not chunk:
                continue
            if fd == 1:
                stdout += chunk
            pending[fd] += chunk
            *lines, pending[fd] = pending[fd].split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                emit(line)
                tail = [*tail[-TAIL_LINES + 1 :], line]
    for rest in pending.values():
        if rest:
            line = rest.decode("utf-8", "replace")
            emit(line)
            tail = [*tail[-TAIL_LINES + 1 :], line]
    return tail, bytes(stdout)


def _save_stdout(command: Command, context: StepContext, stdout: bytes) -> None:
    if command.stdout:
        (context.out_dir / command.stdout).write_bytes(stdout)


def _files_below(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.is_symlink())


def _walk(directory: Path) -> list[str]:
    root = directory.parent
    return sorted(
        str(p.relative_to(root)) for p in directory.rglob("*") if p.is_file() and not p.is_symlink()
    )
