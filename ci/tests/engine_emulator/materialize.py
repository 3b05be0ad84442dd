"""Run lazy chains on the Docker Engine, once each per session.

A container's state is a rootfs plus the config the engine keeps beside it (env, workdir, user,
mounts; core/container.go `Container`). An exec runs the command in a new container created from
the current rootfs with the mounts (mounted caches, secrets and temp directories are mounts, so
they are in no layer, as in the engine, core/container_exec.go). Results are kept by chain, so
equal chains run once (the engine caches by content).

The rootfs is materialized lazily, because `docker commit` is the costly part here (a second or
two each on the containerd store): a state is an image, plus the stopped container an exec ran
in (`holder`), plus files written on top (`pending`, staged on the host). An exec copies the
pending files into its own container before it starts; the holder is committed only when a later
exec, service or archive starts from it, so the last exec of a chain, read by its outputs,
is never committed, and a file write costs no commit at all.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from engine_emulator.docker_cli import LABEL, EmulatorError, docker
from engine_emulator.services import Services
from engine_emulator.values import CacheVolume, Container, Directory, File, Op, Port, Secret, Service
from shipyard.config.tool_images import SEEDED_LABEL
from shipyard.oci.docker_archive import to_docker_archive
from shipyard.oci.index import Platform

RMI_JOBS = 8
"""Images removed at once when a session closes."""
REMOVE_IMAGES = """
docker images -q --filter "label=$1" | sort -u | xargs -r -n 1 -P "$2" docker rmi -f
docker images -q --filter "label=$1" | sort -u | xargs -r docker rmi -f
"""
"""One `docker rmi` per image, several at once, then one call for what the first pass left (an
image another one still needed)."""


@dataclass(frozen=True)
class ExecResult:
    """The last exec of a chain (core/container_exec.go keeps its meta: exit code, outputs)."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Mount:
    """A mount of the container's config: a cache, a secret file, a temp dir, or a file."""

    kind: str
    path: str
    source: object = None
    owner: str = ""
    mode: int = 0o400
    private: bool = False
    """A cache volume with sharing PRIVATE (core/cache.go: one instance per concurrent user)."""


@dataclass(frozen=True)
class State:
    """A materialized container."""

    image: str
    platform: str | None
    env: tuple[tuple[str, str], ...] = ()
    secret_env: tuple[tuple[str, Secret], ...] = ()
    workdir: str = "/"
    user: str = ""
    mounts: tuple[Mount, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    last: ExecResult | None = None
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    image_ports: tuple[Port, ...] = ()
    """The image's own EXPOSE ports (Config.ExposedPorts)."""
    ports: tuple[Port, ...] = ()
    """Ports set with withExposedPort (core/container.go `Container.Ports`): health-checked."""
    bindings: tuple[tuple[str, Service], ...] = ()
    """Service bindings: alias and service (core/container.go `Container.Services`)."""
    healthcheck: bool = False
    """Whether the image config has a Docker HEALTHCHECK."""
    holder: str = ""
    """A stopped container whose rootfs is this state's (an exec's), not committed yet."""
    pending: tuple[str, ...] = ()
    """Host directories, in order, whose files go on top of the rootfs (withFile, withDirectory...)."""

    def with_env(self, name: str, value: str) -> State:
        return replace(self, env=(*((k, v) for k, v in self.env if k != name), (name, value)))


def _absolute(workdir: str, path: str) -> str:
    # core/container.go resolveContainerInputPath: relative paths resolve against the workdir
    return posixpath.normpath(posixpath.join(workdir or "/", path))


_GLOB = re.compile(r"\*\*/|\*\*|\*|\?|[^*?]+")


def _pattern(pattern: str) -> re.Pattern[str]:
    """An include/exclude pattern (`**`, `*`, `?`), matching a path or any of its parents."""
    wildcards = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    parts = [wildcards.get(piece) or re.escape(piece) for piece in _GLOB.findall(pattern.strip("/"))]
    return re.compile("^" + "".join(parts) + "(?:/.*)?$")


def selected(relative: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    """Whether a file passes include/exclude (core/directory.go filters with fsutil patterns)."""
    if include and not any(_pattern(p).match(relative) for p in include):
        return False
    return not any(_pattern(p).match(relative) for p in exclude)


def _copy_tree(
    source: Path, target: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()
) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if path.is_dir() and not path.is_symlink():
            continue
        if not selected(relative, include, exclude):
            continue
        dest = target / relative
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest, follow_symlinks=False)


class Materializer:
    """Materializes values for one emulator session; thread-safe, each chain once."""

    def __init__(self) -> None:
        self.scratch = Path(tempfile.mkdtemp(prefix="shipyard-emulator-"))
        self._done: dict[object, object] = {}
        self._locks: dict[object, threading.Lock] = {}
        self._guard = threading.Lock()
        self._count = 0
        self.session = uuid.uuid4().hex[:12]
        self.label = f"{LABEL}={self.session}"
        self.stand_ins: set[str] = set()
        """Pinned references served by a seeded stand-in."""
        self.services = Services(self)

    def image_of(self, state: State) -> str:
        """An image of the state's rootfs: the holder committed, the pending files copied on top."""
        if not state.holder and not state.pending:
            return state.image
        key = ("img", state.image, state.holder, state.pending)
        return self._once(key, lambda: self._image_of(state))  # type: ignore[return-value]

    def _image_of(self, state: State) -> str:
        image = state.image
        if state.holder:
            image = docker("commit", "--change", f"LABEL {self.label}", state.holder).stdout.strip()
        if not state.pending:
            return image
        created = self._create(replace(state, image=image, holder="", pending=()))
        try:
            self._copy_pending(created, state.pending)
            return docker("commit", "--change", f"LABEL {self.label}", created).stdout.strip()
        finally:
            docker("rm", "-f", created, check=False)

    @staticmethod
    def _copy_pending(container: str, pending: tuple[str, ...]) -> None:
        for staging in pending:
            docker("cp", "-a", f"{staging}/.", f"{container}:/")

    def _new_dir(self) -> Path:
        with self._guard:
            self._count += 1
            path = self.scratch / str(self._count)
        path.mkdir()
        return path

    def _once(self, key: object, make: object) -> object:
        with self._guard:
            if key in self._done:
                return self._done[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._done:
                self._done[key] = make()  # type: ignore[operator]  # make is a zero-argument callable
            return self._done[key]

    def close(self) -> None:
        """Remove the scratch files and every container, network and volume the session made; its
        images go in the background (see `remove_images`)."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        listed = docker("ps", "-aq", "--filter", f"label={self.label}", check=False).stdout.split()
        if listed:
            docker("rm", "-f", "--volumes", *listed, check=False)
        self.services.close()
        volumes = docker("volume", "ls", "-q", "--filter", f"label={self.label}", check=False).stdout.split()
        if volumes:
            docker("volume", "rm", "-f", *volumes, check=False)
        remove_images(self.label)

    # ------------------------------------------------------------------ directories and files

    def directory(self, value: Directory) -> Path:
        """A host directory holding the value's files."""
        return self._once(("dir", value), lambda: self._directory(value))  # type: ignore[return-value]

    def _directory(self, value: Directory) -> Path:
        kind, source, path = value.origin
        if value.ops:
            base = self.directory(Directory(value.origin, value.ops[:-1]))
            return self._directory_op(base, value.ops[-1])
        out = self._new_dir()
        if kind == "host":
            _copy_tree(Path(path), out)
        elif kind == "container":
            assert isinstance(source, Container)
            self._copy_out(source, path, out, directory=True)
        return out

    def _directory_op(self, base: Path, op: Op) -> Path:
        out = self._new_dir()
        if op.name == "directory":
            sub = base / str(op.arg("path")).strip("/")
            if not sub.is_dir():
                raise EmulatorError(f"{op.arg('path')}: no such file or directory")
            _copy_tree(sub, out)
            return out
        if op.name == "filter":
            _copy_tree(base, out, _strings(op.arg("include")), _strings(op.arg("exclude")))
            return out
        if op.name not in {"withNewFile", "withFile", "withDirectory"}:  # fields.py admits no other
            raise EmulatorError(f"Directory.{op.name} is not emulated")
        _copy_tree(base, out)
        self._place(op, out / str(op.arg("path")).strip("/"))
        return out

    def file(self, value: File) -> Path:
        """A host file holding the value's content."""
        return self._once(("file", value), lambda: self._file(value))  # type: ignore[return-value]

    def _file(self, value: File) -> Path:
        kind, source, path = value.origin
        if kind == "tarball":
            assert isinstance(source, Container)
            return self.tarball(source, docker_media=path == "docker")
        if kind == "directory":
            assert isinstance(source, Directory)
            found = self.directory(source) / path.strip("/")
            if not found.is_file():
                raise EmulatorError(f"{path}: no such file or directory")
            return found
        assert isinstance(source, Container)
        out = self._new_dir()
        self._copy_out(source, path, out / posixpath.basename(path), directory=False)
        return out / posixpath.basename(path)

    def _copy_out(self, ctr: Container, path: str, dest: Path, *, directory: bool) -> None:
        state = self.container(ctr)
        absolute = _absolute(state.workdir, path)
        # the holder itself when nothing is pending and no mount covers the path (`docker cp`
        # would read through a stopped container's volumes, which are in no rootfs)
        direct = state.holder and not state.pending and not _under_mount(absolute, state.mounts)
        created = state.holder if direct else self._create(state)
        try:
            if directory:
                dest.mkdir(parents=True, exist_ok=True)
                done = docker("cp", f"{created}:{absolute}/.", str(dest), check=False)
            else:
                done = docker("cp", f"{created}:{absolute}", str(dest), check=False)
            if done.returncode != 0:
                raise EmulatorError(f"{path}: no such file or directory")
        finally:
            if not direct:
                docker("rm", "-f", created, check=False)

    # ------------------------------------------------------------------ containers

    def container(self, value: Container) -> State:
        """The container after its last operation."""
        return self._once(("ctr", value), lambda: self._container(value))  # type: ignore[return-value]

    def _container(self, value: Container) -> State:
        if not value.ops:
            return State(image="scratch", platform=value.platform)
        op = value.ops[-1]
        if op.name == "from":
            return self._from(str(op.arg("address")), value.platform)
        if op.name == "dockerBuild":
            return self._build(op, value.platform)
        state = self.container(value.parent)
        return self._container_op(state, op)

    def _from(self, address: str, platform: str | None) -> State:
        found = docker("image", "inspect", "--format", "{{json .Config}}", address, check=False)
        if found.returncode != 0 and "@" in address:
            # No registry here: a pinned reference is served by the seeded stand-in that carries it
            # in its label (shipyard.config.tool_images.SEEDED_LABEL), as the Docker executor does.
            tagged = address.split("@", 1)[0]
            label = docker(
                "image",
                "inspect",
                "--format",
                f'{{{{index .Config.Labels "{SEEDED_LABEL}"}}}}',
                tagged,
                check=False,
            )
            if label.returncode == 0 and label.stdout.strip() == address:
                self.stand_ins.add(address)
                found = docker("image", "inspect", "--format", "{{json .Config}}", tagged, check=False)
                address = tagged
        if found.returncode != 0:
            # core/container.go From: the engine resolves the reference in a registry
            raise EmulatorError(f"failed to resolve source metadata for {address}: not found")
        config = json.loads(found.stdout) or {}
        env = tuple(tuple(e.split("=", 1)) for e in config.get("Env") or [])
        exposed = [p.split("/", 1) for p in config.get("ExposedPorts") or {}]
        return State(
            image=address,
            platform=platform,
            env=env,  # type: ignore[arg-type]
            workdir=config.get("WorkingDir") or "/",
            user=config.get("User") or "",
            labels=tuple(sorted((config.get("Labels") or {}).items())),
            entrypoint=tuple(config.get("Entrypoint") or ()),
            cmd=tuple(config.get("Cmd") or ()),
            # core.NewPortFromOCI: "5432/tcp" (a port without protocol is TCP)
            image_ports=tuple(Port(int(p[0]), (p[1:] or ["tcp"])[0].upper()) for p in exposed),
            healthcheck=bool((config.get("Healthcheck") or {}).get("Test")),
        )

    def _build(self, op: Op, platform: str | None) -> State:
        """Directory.dockerBuild: the context built by BuildKit for one platform (core/directory.go)."""
        context = op.arg("context")
        assert isinstance(context, Directory)
        root = self.directory(context)
        tag = f"shipyard-emulator-build:{uuid.uuid4().hex[:12]}"
        argv = ["buildx", "build", "--progress=plain", "--load", "-t", tag, "--label", self.label]
        argv += ["-f", str(root / str(op.arg("dockerfile") or "Dockerfile"))]
        if platform:
            argv += ["--platform", platform]
        if op.arg("target"):
            argv += ["--target", str(op.arg("target"))]
        for build_arg in _tuples(op.arg("buildArgs")):
            values = dict(build_arg)
            argv += ["--build-arg", f"{values['name']}={values['value']}"]
        done = docker(*argv, str(root), check=False)
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise EmulatorError(f"failed to solve: {lines[-1] if lines else 'docker buildx build failed'}")
        return self._from(tag, platform)

    def tarball(self, value: Container, *, docker_media: bool) -> Path:
        """Container.asTarball: the image as an archive (core/container.go AsTarball).

        OCI media types and compressed layers by default, as `docker save` writes them; with
        forcedCompression=Uncompressed and mediaTypes=DockerMediaTypes, a plain docker-archive.
        """
        return self._once(
            ("tar", value, docker_media), lambda: self._tarball(value, docker_media=docker_media)
        )  # type: ignore[return-value]

    def _tarball(self, value: Container, *, docker_media: bool) -> Path:
        state = self.container(value)
        image = self.image_of(state)
        stored = self._from(image, state.platform)
        if (stored.labels, stored.entrypoint, stored.cmd) != (state.labels, state.entrypoint, state.cmd):
            image = self._commit_config(state)
        out = self._new_dir()
        saved = out / "image.tar"
        docker("save", "-o", str(saved), image)
        if not docker_media:
            return saved
        plain = out / "image.docker.tar"
        to_docker_archive(
            saved, plain, tag=image, platform=Platform.parse(state.platform) if state.platform else None
        )
        return plain

    def _commit_config(self, state: State) -> str:
        """An image of the state's filesystem with its labels, entrypoint and command in the config.

        An exec's or a copy's commit keeps the argv it ran as the image's entrypoint; an archive
        must carry the container's own (a stack loads it and runs its default command)."""
        platform = ["--platform", state.platform] if state.platform else []
        created = docker(
            "create",
            "--label",
            self.label,
            *platform,
            "--entrypoint",
            "",
            self.image_of(state),
            *(state.cmd or ("/",)),
        ).stdout.strip()
        changes = [f"LABEL {k}={json.dumps(v)}" for k, v in state.labels]
        if state.entrypoint:  # ENTRYPOINT resets CMD: set again after it
            changes += [f"ENTRYPOINT {json.dumps(list(state.entrypoint))}"]
            changes += [f"CMD {json.dumps(list(state.cmd))}"] if state.cmd else []
        flags = [a for change in (*changes, f"LABEL {self.label}") for a in ("--change", change)]
        try:
            return docker("commit", *flags, created).stdout.strip()
        finally:
            docker("rm", "-f", created, check=False)

    def _container_op(self, state: State, op: Op) -> State:  # noqa: C901, PLR0911, PLR0912 - one branch per field
        name = op.name
        if name == "withEnvVariable":
            return state.with_env(str(op.arg("name")), str(op.arg("value")))
        if name == "withSecretVariable":
            secret = op.arg("secret")
            assert isinstance(secret, Secret)
            keep = tuple((k, v) for k, v in state.secret_env if k != op.arg("name"))
            return replace(state, secret_env=(*keep, (str(op.arg("name")), secret)))
        if name == "withWorkdir":
            return replace(state, workdir=_absolute(state.workdir, str(op.arg("path"))))
        if name == "withUser":
            return replace(state, user=str(op.arg("name")))
        if name == "withLabel":
            return replace(state, labels=(*state.labels, (str(op.arg("name")), str(op.arg("value")))))
        if name == "withMountedCache":
            cache = op.arg("cache")
            assert isinstance(cache, CacheVolume)
            private = op.arg("sharing") == "PRIVATE"
            if op.arg("sharing") not in {None, "SHARED", "PRIVATE"}:
                raise EmulatorError(
                    f"Container.withMountedCache(sharing: {op.arg('sharing')}) is not emulated"
                )
            mount = Mount("cache", _absolute(state.workdir, str(op.arg("path"))), cache, private=private)
            return self._mount(state, mount)
        if name == "withExposedPort":
            return self._expose(state, op)
        if name == "withServiceBinding":
            # core/container.go WithServiceBinding: the alias resolves to the service, in this
            # container only; binding the same alias again replaces it
            service = op.arg("service")
            assert isinstance(service, Service)
            alias = str(op.arg("alias") or "")
            kept = tuple((a, s) for a, s in state.bindings if a != alias or not alias)
            return replace(state, bindings=(*kept, (alias, service)))
        if name == "withMountedSecret":
            # core/schema/container.go containerWithMountedSecretArgs: owner "" (uid 0), mode 0400
            mount = Mount(
                "secret",
                _absolute(state.workdir, str(op.arg("path"))),
                op.arg("source"),
                owner=str(op.arg("owner") or ""),
                mode=int(op.arg("mode") or 0o400),  # type: ignore[arg-type]
            )
            return self._mount(state, mount)
        if name == "withMountedTemp":
            return self._mount(state, Mount("temp", _absolute(state.workdir, str(op.arg("path")))))
        if name == "withMountedFile":
            return self._mount(
                state, Mount("file", _absolute(state.workdir, str(op.arg("path"))), op.arg("source"))
            )
        if name in {"withFile", "withDirectory", "withNewFile"}:
            return self._write(state, op)
        if name == "withExec":
            return self._exec(state, op)
        raise EmulatorError(f"Container.{name} is not emulated")

    @staticmethod
    def _expose(state: State, op: Op) -> State:
        """core/container.go WithExposedPort: replaces a port of the same number and protocol."""
        if op.arg("protocol") not in {None, "TCP"}:
            raise EmulatorError(f"Container.withExposedPort(protocol: {op.arg('protocol')}) is not emulated")
        port = Port(int(op.arg("port")), "TCP", bool(op.arg("experimentalSkipHealthcheck")))  # type: ignore[arg-type]
        kept = tuple(p for p in state.ports if (p.port, p.protocol) != (port.port, port.protocol))
        return replace(state, ports=(*kept, port))

    @staticmethod
    def _mount(state: State, mount: Mount) -> State:
        return replace(state, mounts=(*(m for m in state.mounts if m.path != mount.path), mount))

    def _create(self, state: State, *argv: str) -> str:
        """A stopped container of the state's rootfs (pending files copied in)."""
        platform = ["--platform", state.platform] if state.platform else []
        image = self.image_of(replace(state, pending=()))
        created = docker(
            "create", "--label", self.label, *platform, "--entrypoint", "/", image, *argv
        ).stdout.strip()
        self._copy_pending(created, state.pending)
        return created

    def _place(self, op: Op, target: Path) -> None:
        """Write what a withNewFile / withFile / withDirectory puts at `target` (a host path)."""
        if op.name == "withNewFile":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(str(op.arg("contents", "")), encoding="utf-8")
            target.chmod(int(op.arg("permissions") or 0o644))  # type: ignore[arg-type]
        elif op.name == "withFile":
            source = op.arg("source")
            assert isinstance(source, File)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.file(source), target)
            if op.arg("permissions") is not None:
                target.chmod(int(op.arg("permissions")))  # type: ignore[arg-type]
        else:
            source = op.arg("source") or op.arg("directory")
            assert isinstance(source, Directory)
            target.mkdir(parents=True, exist_ok=True)
            _copy_tree(
                self.directory(source), target, _strings(op.arg("include")), _strings(op.arg("exclude"))
            )

    def _write(self, state: State, op: Op) -> State:
        staging = self._new_dir()
        target = _absolute(state.workdir, str(op.arg("path")))
        self._place(op, staging / target.lstrip("/"))
        return replace(state, pending=(*state.pending, str(staging)))

    def _exec(self, state: State, op: Op) -> State:  # noqa: C901 - the engine's exec, step by step
        argv = tuple(str(a) for a in _strings(op.arg("args")))
        if op.arg("expand"):
            for name, _ in state.secret_env:
                if any(f"${name}" in a or f"${{{name}}}" in a for a in argv):
                    # core/container.go ExpandContainerInput
                    raise EmulatorError(f"expand cannot be used with secret env variable {name!r}")
        env = dict(os.environ)
        # host networking: a registry on the test machine's loopback is reachable from the execs
        # (the engine's own networking is not reproduced: docs/dagger.md)
        flags = ["--label", self.label, "--network", "host", "-w", state.workdir]
        if state.platform:
            flags += ["--platform", state.platform]
        if state.user:
            flags += ["-u", state.user]
        for key, value in state.env:
            flags += ["-e", f"{key}={value}"]
        for key, secret in state.secret_env:
            env[key] = secret.plaintext  # passed through docker's environment, never its argv
            flags += ["-e", key]
        for mount in state.mounts:
            flags += self.mount_flags(mount)
        name = f"shipyard-emu-{uuid.uuid4().hex[:12]}"
        base = self.image_of(replace(state, pending=()))
        # core/container_exec.go: the exec starts its bound services first (Services.StartBindings)
        with self.services.bound(state.bindings) as hosts:
            flags += [f"--add-host={host}:{ip}" for host, ip in hosts]
            made = docker(
                "create",
                "--name",
                name,
                *flags,
                "--entrypoint",
                argv[0],
                base,
                *argv[1:],
                env=env,
                check=False,
            )
            if made.returncode != 0:
                raise EmulatorError(f"exec {argv[0]} could not start: {made.stderr.strip()[-300:]}")
            self._copy_pending(name, state.pending)
            done = docker("start", "--attach", name, check=False)
        result = ExecResult(argv=argv, exit_code=done.returncode, stdout=done.stdout, stderr=done.stderr)
        redirect = op.arg("redirectStdout")
        if redirect:
            staging = self._new_dir()
            path = _absolute(state.workdir, str(redirect))
            placed = staging / path.lstrip("/")
            placed.parent.mkdir(parents=True, exist_ok=True)
            placed.write_text(done.stdout, encoding="utf-8")
            docker("cp", "-a", f"{staging}/.", f"{name}:/")
            result = replace(result, stdout="")
        committed = replace(state, image=base, holder=name, pending=(), last=result)
        expect = str(op.arg("expect") or "SUCCESS")
        if expect == "SUCCESS" and result.exit_code != 0:
            # core/exec_error.go ExecError.Extensions: what the SDK turns into dagger.ExecError
            raise EmulatorError(
                f'process "{" ".join(argv)}" did not complete successfully: exit code: {result.exit_code}',
                extensions={
                    "_type": "EXEC_ERROR",
                    "cmd": list(argv),
                    "exitCode": result.exit_code,
                    "stdout": result.stdout,
                    "stderr": result.stderr,
                },
            )
        return committed

    def mount_flags(self, mount: Mount) -> list[str]:
        """`docker run` flags for one mount of a container's config."""
        if mount.kind == "cache":
            assert isinstance(mount.source, CacheVolume)
            volume = "shipyard-emulator-" + re.sub(r"[^a-zA-Z0-9_.-]", "-", mount.source.key)
            if mount.private:
                # one instance per session (concurrent sessions never share it); removed at close
                volume = f"{volume}-{self.session}"
                docker("volume", "create", "--label", self.label, volume)
            return ["-v", f"{volume}:{mount.path}"]
        if mount.kind == "temp":
            return ["--tmpfs", mount.path]
        if mount.kind == "file":
            assert isinstance(mount.source, File)
            return ["--mount", f"type=bind,src={self.file(mount.source)},dst={mount.path},readonly"]
        assert isinstance(mount.source, Secret)
        holder = self._new_dir() / "secret"
        holder.write_text(mount.source.plaintext, encoding="utf-8")
        holder.chmod(mount.mode)
        owner = mount.owner.split(":")[0] if mount.owner else "0"
        if owner.isdigit():
            os.chown(holder, int(owner), int(mount.owner.split(":")[1]) if ":" in mount.owner else int(owner))
        return ["--mount", f"type=bind,src={holder},dst={mount.path},readonly"]


def _tuples(value: object) -> tuple[tuple[tuple[str, object], ...], ...]:
    if not value:
        return ()
    assert isinstance(value, tuple)
    return value  # pyright: ignore[reportUnknownVariableType]


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    assert isinstance(value, tuple)
    return tuple(str(v) for v in value)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]


def remove_images(label: str) -> None:
    """Remove the images labelled `label` in a detached process: nothing waits for it.

    The daemon removes an image in seconds (containerd's store: its snapshots and content), one
    after another: a session's dozens of images took a minute at every close, which no test
    reads. Images are never shared between sessions (each carries its session's label), so the
    next session does not wait for them either.
    """
    subprocess.Popen(
        ["sh", "-c", REMOVE_IMAGES, "remove-images", label, str(RMI_JOBS)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _under_mount(path: str, mounts: tuple[Mount, ...]) -> bool:
    """Whether a mount covers `path` or lies below it."""
    return any(
        path == m.path
        or path.startswith(m.path.rstrip("/") + "/")
        or m.path.startswith(path.rstrip("/") + "/")
        for m in mounts
    )
