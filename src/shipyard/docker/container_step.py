"""Run a ContainerStep on the engine: one container, the project copied in, commands one by one.

A step with several commands keeps its container alive (`sleep`) and runs each command with
`docker exec`, so installs persist between commands; a single-command step runs its command as
the container's own process (tool images without a shell). Reports are copied out of OUTDIR
after the last command, also when a command failed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import posixpath
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import docker.errors
import docker.types
import requests.exceptions

from shipyard.docker.archive import first_file, pack_bytes, pack_dir, pack_files, stream_file, unpack
from shipyard.docker.environments import (
    HARVEST_SCRIPT,
    KEEP_SCRIPT,
    MOUNT,
    RESTORE_SCRIPT,
    SOURCES_SCRIPT,
    EnvironmentStore,
    Found,
    repository,
)
from shipyard.docker.leg_memory import DF_ARGV, memory_cap, outgrew, reuse_cap, tmpfs_options
from shipyard.docker.namespace import volume_name
from shipyard.docker.scan_archives import ScanArchives
from shipyard.errors import EngineError, StageError
from shipyard.stages.environment import environment_key, read_files
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.spec import LOG_FILE, OUTDIR, TAIL_LINES, TOOLS_DIR

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from shipyard.docker.images import ImageResolver
    from shipyard.executor import StepContext
    from shipyard.stages.spec import Command, ContainerStep, Stage, ToolBinary

KEEPALIVE = ("sleep", "86400")
RESTORE_LABEL = "restore-environment"
"""The outcome of a kept environment that could not be extracted into the leg's container."""
RUN_LABEL = "dev.shipyard.run"
STAGE_LABEL = "dev.shipyard.stage"
FILLED_LABEL = "dev.shipyard.tool.filled"
"""On a tool volume's mark: the CreatedAt of the volume whose fill completed."""


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


class ToolVolumes:
    """Each pinned tool once per engine: a volume per tool digest, filled once, mounted read-only.

    Nothing is copied into a step's container: the volume is mounted at the directory of the
    tool's `dest` (common.TOOLS_ROOT/<tool>/, which holds nothing else). A fill that completed
    leaves a second, empty volume as its mark (`<name>-filled`, labelled with the creation time
    of the volume it vouches for), made only after the copy returned: checking it is two volume
    inspections, no container and no read of the tool's image. No mark, or a mark for an older
    volume of that name (removed and made again): the volume is filled again, so a fill cut
    short is never used.
    """

    def __init__(
        self, client: Any, images: ImageResolver, tools: ToolCache, labels: Mapping[str, str]
    ) -> None:
        self._client = client
        self._images = images
        self._tools = tools
        self._labels = dict(labels)
        self._ready: set[str] = set()
        self._lock = threading.Lock()
        self._filling: dict[str, threading.Lock] = {}
        """One lock per volume: legs wait for the fill of their own tools only."""

    @staticmethod
    def name(tool: ToolBinary) -> str:
        """`shipyard-tool-uv-<digest>`: one volume per tool image digest and executable path."""
        return volume_name(f"shipyard-tool-{tool.tool}-{ToolVolumes._digest(tool)}")

    @staticmethod
    def mark_name(tool: ToolBinary) -> str:
        """The empty volume that says the tool's volume was filled completely."""
        return volume_name(f"shipyard-tool-{tool.tool}-{ToolVolumes._digest(tool)}-filled")

    @staticmethod
    def _digest(tool: ToolBinary) -> str:
        return hashlib.sha256(f"{tool.image}|{tool.source}".encode()).hexdigest()[:16]

    def mounts(self, tools: tuple[ToolBinary, ...]) -> dict[str, dict[str, str]]:
        """The read-only volume mounts that put every tool at its `dest`, each volume filled."""
        mounts: dict[str, dict[str, str]] = {}
        for tool in tools:
            if not tool.dest.startswith(
                f"{TOOLS_DIR}/"
            ):  # its folder is mounted over: /usr/local/bin would vanish
                raise StageError(
                    f"tool {tool.tool!r} is placed at {tool.dest}, outside {TOOLS_DIR}/",
                    fix="please report: a stage must place its tools with stages.common.tool_path",
                )
            name = self.name(tool)
            with self._lock:
                filling = self._filling.setdefault(name, threading.Lock())
            with filling:
                if name not in self._ready:
                    if not self._filled(tool, name):
                        self._fill(tool, name)
                    self._ready.add(name)
            mounts[name] = {"bind": posixpath.dirname(tool.dest), "mode": "ro"}
        return mounts

    def _filled(self, tool: ToolBinary, name: str) -> bool:
        """Whether the volume exists and carries the mark of a completed fill of this very volume."""
        api = self._client.api
        try:
            created = str(api.inspect_volume(name).get("CreatedAt", ""))
            labels: dict[str, str] = api.inspect_volume(self.mark_name(tool)).get("Labels") or {}
        except docker.errors.NotFound:
            return False
        return bool(created) and labels.get(FILLED_LABEL) == created

    def _fill(self, tool: ToolBinary, name: str) -> None:
        """Copy the executable into the volume, inside one container of the tool's image.

        The image's own archive of the file goes back in when the file keeps its name (read
        whole first: streamed from get_archive into put_archive of the same container, the
        upload hung until the client's timeout on Docker 26); a renamed one is packed again.
        """
        filename = posixpath.basename(tool.dest)
        api = self._client.api
        with contextlib.suppress(docker.errors.NotFound):  # a mark for an older fill goes first
            api.remove_volume(self.mark_name(tool), force=True)
        try:
            self._client.volumes.get(name)
        except docker.errors.NotFound:
            self._client.volumes.create(name, labels={"dev.shipyard.tool": tool.image})
        holder = self._client.containers.create(
            self._images.resolve(tool.image).id,
            entrypoint=["/shipyard-copy-only"],
            labels=self._labels,
            volumes={name: {"bind": "/shipyard-tool", "mode": "rw"}},
        )
        try:
            size = self._size_in(holder.id, tool.source)
            if size is None:
                raise StageError(
                    f"{tool.image} has no {tool.source}",
                    fix=f"fix the binary path of tool {tool.tool!r} in [tool.shipyard.tools]",
                )
            if self._size_in(holder.id, f"/shipyard-tool/{filename}") != size:
                if posixpath.basename(tool.source) == filename:
                    chunks, _ = holder.get_archive(tool.source)
                    data = b"".join(chunks)
                else:
                    data = pack_bytes(filename, self._tools.get(tool))
                holder.put_archive("/shipyard-tool", data)
            if self._size_in(holder.id, f"/shipyard-tool/{filename}") != size:
                raise StageError(
                    f"could not fill the tools volume {name}", fix="check the engine's disk space"
                )
        finally:
            holder.remove(force=True)
        created = str(api.inspect_volume(name).get("CreatedAt", ""))
        with contextlib.suppress(docker.errors.APIError):  # a parallel run made the same mark
            self._client.volumes.create(
                self.mark_name(tool), labels={"dev.shipyard.tool": tool.image, FILLED_LABEL: created}
            )

    def _size_in(self, container_id: str, path: str) -> int | None:
        """The size of a file in a container, from the archive endpoint's HEAD (no content read)."""
        api = self._client.api
        response = api.head(
            f"{api.base_url}/v{api.api_version}/containers/{container_id}/archive", params={"path": path}
        )
        stat = response.headers.get("X-Docker-Container-Path-Stat")
        if response.status_code != 200 or not stat:  # noqa: PLR2004 - HTTP status
            return None
        return int(json.loads(base64.b64decode(stat)).get("size", -1))


class ContainerRunner:
    """Runs container steps on one engine for one pipeline run."""

    def __init__(
        self,
        client: Any,
        images: ImageResolver,
        tools: ToolVolumes,
        run_id: str,
        environments: EnvironmentStore | None = None,
    ) -> None:
        self._client = client
        self._images = images
        self._tools = tools
        self._run_id = run_id
        self._environments = environments or EnvironmentStore(client)
        self._closing = threading.Event()
        self._creating = 0
        self._idle = threading.Condition()
        self._removals: list[threading.Thread] = []
        self._cap: int | None = None
        self._cap_lock = threading.Lock()
        self.scan_archives = ScanArchives()

    def close(self, timeout: float = 30) -> None:
        """Refuse new containers; wait (bounded) for creations in flight, which remove their own.

        A stage's worker thread outlives a cancelled run (Ctrl-C, SIGTERM): without this, a
        container created just after the cleanup listed the run's containers would stay behind.
        """
        self._closing.set()
        with self._idle:
            self._idle.wait_for(lambda: self._creating == 0, timeout=timeout)
        for removal in list(self._removals):
            removal.join(timeout=timeout)
        self.scan_archives.cleanup()

    def _dispose(self, container: Any, *, wait: bool, discard: str | None = None) -> None:
        """Remove a finished container, then the environment volume it did not keep (`discard`).

        In the background unless `wait`: the stage's verdict and the next stage's start need not
        wait for the engine to delete a container's layer (a second or two on a busy host).
        `close` waits for every removal, and the run's cleanup removes by label whatever is left.
        """

        def remove() -> None:
            _remove(container)
            if discard is not None:
                self._environments.discard(discard)

        if wait:
            remove()
            return
        removal = threading.Thread(target=remove, name="shipyard-remove", daemon=True)
        self._removals.append(removal)
        removal.start()

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
        environment: tuple[str, str] | None = None,
        files: tuple[str, ...] | None = None,
        networks: tuple[str, ...] = (),
        memory: int = 0,
    ) -> Any:
        """Create (not start) the step's container with the project's files and tools inside.

        `environment` mounts an environment's data volume (name, `ro` to restore it or `rw` to
        keep one) at environments.MOUNT; `files` places only those project files (an
        environment's setup reads no more); `networks` are engine networks it joins besides its
        own (those of the step's services); `memory`: the directories the setup writes are
        tmpfs mounts of at most that many bytes each (leg_memory), volumes when 0.
        """
        with self._idle:
            self._creating += 1
        try:
            return self._create(
                stage,
                step,
                context,
                keepalive=keepalive,
                command=command,
                environment=environment,
                files=files,
                networks=networks,
                memory=memory,
            )
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
        environment: tuple[str, str] | None,
        files: tuple[str, ...] | None,
        networks: tuple[str, ...],
        memory: int,
    ) -> Any:
        self._refuse_when_closing()
        image = self._images.resolve(step.image, step.platform).id
        for cache in step.caches:
            self._ensure_volume(volume_name(cache.name))
        volumes = {volume_name(c.name): {"bind": c.path, "mode": "rw"} for c in step.caches}
        volumes |= self._tools.mounts(step.tools)
        if environment is not None:
            volumes[environment[0]] = {"bind": MOUNT, "mode": environment[1]}
        # what the setup writes lives in the container's own tmpfs mounts, or volumes (removed
        # with it): never the image's overlay, where a venv's thousand files cost ten times more
        writes = step.environment.writes if step.environment is not None else ()
        tmpfs = tmpfs_options(writes, memory) if memory else {}
        mounts = [] if memory else [docker.types.Mount(target=p, source=None, type="volume") for p in writes]
        argv = KEEPALIVE if keepalive else command
        container = self._client.containers.create(
            image,
            entrypoint=[argv[0]],
            command=list(argv[1:]),
            environment=step.setup_env,  # the rest comes with each exec after the setup
            working_dir=step.workdir,
            labels=self.labels(stage),
            volumes=volumes,
            mounts=mounts,
            tmpfs=tmpfs,
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
            self._place(container, stage, step, context, context.files if files is None else files)
            if files is None:
                self._place_images(container, step, context)
            self._refuse_when_closing()
        except BaseException:
            container.remove(force=True)
            raise
        return container

    def _place(
        self, container: Any, stage: Stage, step: ContainerStep, context: StepContext, files: tuple[str, ...]
    ) -> None:
        """Copy project files into the workdir (and `.git`, when the stage reads history)."""
        prefix = step.files_dir.lstrip("/") + "/"
        if files:
            self._put(container, "/", pack_files(context.root, files, prefix=prefix))
        dot_git = (context.root / stage.inputs.git_root / ".git").resolve()
        if files is context.files and stage.inputs.git_history and dot_git.is_dir():
            self._put(container, "/", pack_files(dot_git.parent, _walk(dot_git), prefix=prefix))

    def _place_images(self, container: Any, step: ContainerStep, context: StepContext) -> None:
        """What upstream stages made that the step reads: images (as scanners read them), folders."""
        for wanted in step.images_from:
            archive = self.scan_archives.get(context.upstream[wanted.stage], wanted.tag)
            self._put(container, "/", stream_file(archive, wanted.path.lstrip("/")))
        for given in step.files_from:
            upstream = context.upstream[given.stage]
            written = [str(p.relative_to(upstream)) for p in _files_below(upstream)]
            self._put(container, "/", pack_files(upstream, written, prefix=given.path.strip("/") + "/"))

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
        """Run every command of the step; copy the reports out; remove the container.

        A step with an environment copies in the one kept for its key when the engine has it
        and runs only the commands after the setup; otherwise it runs the setup on the files the
        setup reads alone, keeps what it wrote (only when every setup command passed), then
        places the source and goes on. Its setup's directories are in memory when they fit
        (leg_memory); a leg whose commands failed because they outgrew it runs again on disk.
        """
        plan = self._plan(step, context)
        try:
            return self._attempt(stage, step, context, plan, networks)
        except _OutgrewError as outgrown:
            return self._attempt(stage, step, context, replace(outgrown.plan, memory=0), networks)

    def _attempt(
        self,
        stage: Stage,
        step: ContainerStep,
        context: StepContext,
        plan: _EnvironmentPlan | None,
        networks: tuple[str, ...],
    ) -> StageOutcome:
        single = plan is None and len(step.commands) == 1
        if plan is not None and plan.kept is None:
            plan = replace(plan, volume=self._environments.reserve(plan.key, plan.base))
        try:
            container = self._open(stage, step, context, plan, networks, single=single)
        except BaseException:
            if plan is not None and plan.volume is not None:
                self._environments.discard(plan.volume)
            raise
        kept = False
        stopped: str | None = None
        outcomes: list[CommandOutcome] = []
        metadata: dict[str, str] = {}
        log_path = context.out_dir / LOG_FILE
        try:
            with log_path.open("a", encoding="utf-8") as log:

                def emit(line: str) -> None:
                    log.write(line + "\n")
                    context.log(line)

                if single:
                    outcomes.append(self._run_main(container, step.commands[0], context, emit))
                else:
                    if plan is not None:
                        metadata = plan.describe()
                        emit(f"environment: {metadata['environment']} ({plan.ref})")
                    container.start()
                    try:
                        kept = self._run_commands(container, stage, step, context, plan, emit, outcomes)
                    except _StoppedError as exc:  # killed under the run: what ran is reported
                        stopped = str(exc)
            self._copy_out(container, context)
        except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
            raise EngineError(
                f"stage {stage.id}: the engine failed: {str(exc).splitlines()[0]}",
                fix="check `docker info` and the engine's log",
            ) from exc
        finally:  # joined to a services network: gone before compose takes that network down
            discard = plan.volume if plan is not None and not kept else None
            self._dispose(container, wait=bool(networks), discard=discard)
        return StageOutcome(
            stage_id=stage.id,
            out_dir=context.out_dir,
            commands=tuple(outcomes),
            metadata=metadata,
            error=stopped,
        )

    def _open(
        self,
        stage: Stage,
        step: ContainerStep,
        context: StepContext,
        plan: _EnvironmentPlan | None,
        networks: tuple[str, ...],
        *,
        single: bool,
    ) -> Any:
        """The step's container: with the kept environment to restore, or the volume to keep one in."""
        if plan is None:
            return self.create(
                stage, step, context, keepalive=not single, command=step.commands[0].argv, networks=networks
            )
        if plan.kept is not None:
            restore_from = (plan.kept.data, "ro")
            return self.create(
                stage,
                step,
                context,
                keepalive=True,
                environment=restore_from,
                networks=networks,
                memory=plan.memory,
            )
        keep_in = (plan.volume or "", "rw")
        return self.create(
            stage,
            step,
            context,
            keepalive=True,
            environment=keep_in,
            files=plan.reads,
            networks=networks,
            memory=plan.memory,
        )

    def _run_commands(  # noqa: PLR0917 - run's own state, one call site
        self,
        container: Any,
        stage: Stage,
        step: ContainerStep,
        context: StepContext,
        plan: _EnvironmentPlan | None,
        emit: Callable[[str], None],
        outcomes: list[CommandOutcome],
    ) -> bool:
        """Run the commands in the started container, each outcome into `outcomes`; whether it kept one.

        A reused environment is restored first and only the commands after the setup run; a
        prepared one is copied once every setup command passed, before the source is placed, and
        marked kept (with the bytecode of its files the commands wrote) once they all ran.
        """
        commands, setup_end = step.commands, len(step.setup_commands) if plan is not None else 0
        if plan is not None and plan.kept is not None:
            commands, setup_end = step.main_commands, 0
            failed = self._restore(container, plan, emit)
            outcomes.extend(failed)
            if failed:
                return False
        copied = None
        for index, command in enumerate(commands):
            if plan is not None and setup_end and index == setup_end:
                copied = self._keep(container, stage, step, context, plan, emit)
            env = step.setup_env if index < setup_end else dict(step.env)
            outcome = self._exec(container, command, step, context, emit, env)
            if outcome.exit_code != 0:
                self._refuse_stopped(container, command, emit)
            if outcome.exit_code != 0 and plan is not None:
                self._refuse_outgrown(container, plan, outcome, emit)
            outcomes.append(outcome)
            if outcome.exit_code != 0 and not command.may_fail:
                break
        return plan is not None and copied is not None and self._mark(container, plan, copied, emit)

    def _plan(self, step: ContainerStep, context: StepContext) -> _EnvironmentPlan | None:
        """The environment's key from what the engine has (image IDs) and the files; None without one."""
        environment = step.environment
        if environment is None:
            return None
        selected = set(context.files)
        reads = tuple(path for path in environment.reads if path in selected)
        base = self._images.resolve(step.image, step.platform).id
        tool_ids = {tool.image: self._images.resolve(tool.image).id for tool in step.tools}
        files = read_files(context.root, reads)
        key = environment_key(step, image_id=base, tool_ids=tool_ids, files=files)
        kept = self._environments.find(key, base)
        cap = self._memory_cap()
        return _EnvironmentPlan(
            key=key,
            base=base,
            reads=reads,
            writes=environment.writes,
            bytecode=environment.bytecode,
            kept=kept,
            memory=cap if kept is None else reuse_cap(kept.size, cap),
        )

    def _memory_cap(self) -> int:
        """leg_memory's cap on this engine (its memory asked once per run)."""
        with self._cap_lock:
            if self._cap is None:
                self._cap = memory_cap(int(self._client.info().get("MemTotal") or 0))
            return self._cap

    def _refuse_stopped(self, container: Any, command: Command, emit: Callable[[str], None]) -> None:
        """Raise _StoppedError when a command failed because its container is no longer running.

        Killed between two commands, the next exec fails with the runtime's "cannot exec in a
        stopped container" (exit 126), which is no fault of that command.
        """
        name = command.label or command.argv[0]
        try:
            container.reload()
        except docker.errors.NotFound:
            message = f"the stage's container is gone (removed while {name} ran)"
        else:
            state = cast("dict[str, Any]", container.attrs.get("State") or {})
            if state.get("Running"):
                return
            oom = " (out of memory)" if state.get("OOMKilled") else ""
            message = (
                f"the stage's container is not running: it exited with {state.get('ExitCode')}{oom} "
                f"while {name} ran"
            )
        emit(message)
        raise _StoppedError(message)

    def _refuse_outgrown(
        self, container: Any, plan: _EnvironmentPlan, failed: CommandOutcome, emit: Callable[[str], None]
    ) -> None:
        """Raise _OutgrewError when the failed command ran out of the in-memory directories' room."""
        if not plan.memory:
            return
        _, df_output = self._quiet(container, (*DF_ARGV, *plan.writes))
        if outgrew(df_output, failed.output_tail, plan.memory):
            outgrown = _OutgrewError(plan)
            emit(str(outgrown))
            raise outgrown

    def _keep(  # noqa: PLR0917 - one call site, the run's own state
        self,
        container: Any,
        stage: Stage,
        step: ContainerStep,
        context: StepContext,
        plan: _EnvironmentPlan,
        emit: Callable[[str], None],
    ) -> int | None:
        """Every setup command passed: copy what it wrote (its size), then place the source and inputs."""
        started = time.monotonic()
        size = None
        try:
            size = self._copy_kept(container, plan)
            emit(f"environment: kept in one archive in {time.monotonic() - started:.1f} s ({_mb(size)})")
        except (docker.errors.APIError, _NotKeptError) as exc:  # the run goes on; the next prepares it
            emit(f"environment: not kept ({str(exc).splitlines()[0]})")
        self._place(container, stage, step, context, context.files)
        self._place_images(container, step, context)
        return size

    def _mark(self, container: Any, plan: _EnvironmentPlan, size: int, emit: Callable[[str], None]) -> bool:
        """The leg's commands ran: add the bytecode of the kept files, then mark the copy complete."""
        started = time.monotonic()
        modules = "no bytecode"
        if plan.bytecode:
            argv = ("python3", "-c", HARVEST_SCRIPT, MOUNT, *plan.writes)
            code, output = self._quiet(container, argv)
            counted = output.strip().rsplit("\n", 1)[-1].split()
            if code == 0 and len(counted) == 2 and all(c.isdigit() for c in counted):  # noqa: PLR2004 - modules, bytes
                modules, size = f"bytecode of {counted[0]} modules", size + int(counted[1])
        try:
            if plan.volume is None:
                return False
            self._environments.keep(plan.volume, plan.key, plan.base, size)
        except docker.errors.APIError as exc:
            emit(f"environment: not kept ({str(exc).splitlines()[0]})")
            return False
        took = time.monotonic() - started
        emit(f"environment: kept as {plan.ref} ({_mb(size)}, {modules}) in {took:.1f} s")
        return True

    def _copy_kept(self, container: Any, plan: _EnvironmentPlan) -> int:
        """Tar the directories the setup wrote into the environment's volume; the bytes kept."""
        sources = SOURCES_SCRIPT if plan.bytecode else ""
        code, output = self._quiet(container, ("sh", "-c", KEEP_SCRIPT, "keep", MOUNT, sources, *plan.writes))
        lines = output.strip().splitlines()
        size = lines[-1].split()[0] if lines and lines[-1].split() else ""
        if code != 0 or not size.isdigit():
            raise _NotKeptError(lines[-1] if lines else f"exit {code}")
        return int(size) * 1024

    def _restore(
        self, container: Any, plan: _EnvironmentPlan, emit: Callable[[str], None]
    ) -> tuple[CommandOutcome, ...]:
        """Extract the kept environment into the container; a failed one is the leg's failed command."""
        started = time.monotonic()
        argv = ("sh", "-c", RESTORE_SCRIPT, "restore", MOUNT)
        code, output = self._quiet(container, argv)
        if code == 0:
            where = "in memory" if plan.memory else "on disk"
            emit(f"environment: restored {where} in {time.monotonic() - started:.1f} s")
            return ()
        emit(f"environment: could not restore {plan.ref}: {output.strip() or f'exit {code}'}")
        return (CommandOutcome(label=RESTORE_LABEL, argv=argv, exit_code=code or 1, output_tail=output),)

    def _quiet(self, container: Any, argv: tuple[str, ...]) -> tuple[int, str]:
        """Run an executor's own command in the container; its exit status and output (not logged)."""
        api = self._client.api
        exec_id = api.exec_create(container.id, list(argv))["Id"]
        output = api.exec_start(exec_id)
        code = api.exec_inspect(exec_id).get("ExitCode")
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
        return (127 if code is None else int(code)), text

    def _run_main(
        self, container: Any, command: Command, context: StepContext, emit: Callable[[str], None]
    ) -> CommandOutcome:
        emit(f"$ {' '.join(command.argv)}")
        started = time.monotonic()
        stream = self._client.api.attach(container.id, stream=True, logs=True, demux=True)
        container.start()
        tail, stdout = _consume(stream, emit)
        code = int(container.wait().get("StatusCode", 1))
        _save_stdout(command, context, stdout)
        emit(_exit_line(code, started))
        return CommandOutcome(
            label=command.label, argv=command.argv, exit_code=code, output_tail="\n".join(tail)
        )

    def _exec(  # noqa: PLR0917 - the loop's own state, one call site
        self,
        container: Any,
        command: Command,
        step: ContainerStep,
        context: StepContext,
        emit: Callable[[str], None],
        env: dict[str, str],
    ) -> CommandOutcome:
        emit(f"$ {' '.join(command.argv)}")
        started = time.monotonic()
        exec_id = self._client.api.exec_create(
            container.id, list(command.argv), workdir=step.workdir, environment=env
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
        emit(_exit_line(exit_code, started))
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


class _NotKeptError(Exception):
    """The copy of an environment into its volume failed."""


class _StoppedError(Exception):
    """The step's container stopped (killed, out of memory) while its commands ran."""


class _OutgrewError(Exception):
    """A leg's command failed because the setup's directories outgrew their room in memory."""

    def __init__(self, plan: _EnvironmentPlan) -> None:
        super().__init__(
            f"environment: its directories outgrew the {_mb(plan.memory)} each may take in memory "
            "(SHIPYARD_ENV_MEMORY): the leg runs again with them on disk"
        )
        self.plan = plan


@dataclass(frozen=True)
class _EnvironmentPlan:
    key: str
    base: str
    """The base image's ID."""
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    bytecode: bool
    kept: Found | None
    """The kept environment (data volume, size), when the engine has one for the key."""
    memory: int = 0
    """The in-memory cap of each directory the setup writes (leg_memory); 0: on disk."""
    volume: str | None = None
    """The data volume a preparing leg keeps its environment in."""

    @property
    def ref(self) -> str:
        return f"{repository()}:{self.key[:12]}"

    def describe(self) -> dict[str, str]:
        return {"environment": "reused" if self.kept else "prepared", "environment_key": self.key}


def _mb(size: int) -> str:
    return f"{size / 1024**2:.0f} MB"


def _exit_line(code: int, started: float) -> str:
    """The log's last line of a command: its exit status and how long it took."""
    return f"[exit {code} after {time.monotonic() - started:.1f} s]"


def _remove(container: Any) -> None:
    with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException):
        container.remove(force=True, v=True)


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
