"""The fields the emulator serves, each as the engine defines it; any other field is an error.

Object-typed fields return lazy values (values.py); scalar fields and exports materialize them on
the Docker Engine (materialize.py). Argument objects arrive as IDs, as the SDK sends them
(sdk/python/src/dagger/client/_core.py `resolve_ids`); `node(id:)` loads them back
(_core.py `select_id`; core/schema/query.go serves `node`).
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine_emulator.docker_cli import EmulatorError
from engine_emulator.materialize import Materializer
from engine_emulator.values import (
    CacheVolume,
    Container,
    Directory,
    File,
    Op,
    Port,
    Secret,
    Service,
    frozen_args,
)

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

ENGINE_VERSION = "v0.21.11"
"""What `version` answers: dagger.json's engineVersion (dagger.connection() asks it first)."""
TYPE_NAMES: dict[type, str] = {
    Container: "Container",
    Directory: "Directory",
    File: "File",
    Secret: "Secret",
    CacheVolume: "CacheVolume",
    Service: "Service",
    Port: "Port",
}
CONTAINER_OPS = frozenset(
    {
        "from",
        "withEnvVariable",
        "withSecretVariable",
        "withWorkdir",
        "withUser",
        "withLabel",
        "withMountedCache",
        "withMountedSecret",
        "withMountedTemp",
        "withMountedFile",
        "withFile",
        "withDirectory",
        "withNewFile",
        "withExec",
        "withExposedPort",
        "withServiceBinding",
    }
)
AS_SERVICE_ARGS = frozenset({"args", "useEntrypoint", "insecureRootCapabilities"})
"""The asService arguments emulated (experimentalPrivilegedNesting, expand, noInit are not)."""
DIRECTORY_OPS = frozenset({"filter", "withFile", "withDirectory", "withNewFile", "directory"})


@dataclass
class Fields:
    """Resolves every field of a query against one session's objects."""

    run: Materializer = field(default_factory=Materializer)
    objects: dict[str, object] = field(default_factory=dict[str, object])
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def id_of(self, value: object) -> str:
        """A value's ID (registered, so `node(id:)` and arguments can load it)."""
        with self._lock:
            for known, obj in self.objects.items():
                if obj == value and type(obj) is type(value):
                    return known
            key = f"emu:{TYPE_NAMES[type(value)]}:{next(self._ids)}"
            self.objects[key] = value
            return key

    def load(self, value: object) -> object:
        """An argument with every ID replaced by its object."""
        if isinstance(value, str) and value.startswith("emu:") and value in self.objects:
            return self.objects[value]
        if isinstance(value, list):
            return [self.load(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
        return value

    def resolve(self, parent: object, info: GraphQLResolveInfo, /, **raw: object) -> object:
        """One field of one object."""
        args = {k: self.load(v) for k, v in raw.items()}
        type_name: str = info.parent_type.name
        name: str = info.field_name
        if type_name == "Query":
            return self._query(name, args, raw)
        if name == "id":
            return self.id_of(parent)
        handler = {
            Container: self._container,
            Directory: self._directory,
            File: self._file,
            Secret: self._secret,
            CacheVolume: self._cache,
            Service: self._service,
            Port: self._port,
            _Host: self._host,
        }.get(type(parent))
        if handler is None:
            raise EmulatorError(f"{type_name}.{name} is not emulated")
        return handler(parent, name, args)  # type: ignore[operator]

    @staticmethod
    def type_of(value: object, *_: object) -> str:
        """The GraphQL type of a value (for `node(id:)` and interfaces)."""
        return TYPE_NAMES[type(value)]

    def _query(self, name: str, args: dict[str, object], raw: dict[str, object]) -> object:  # noqa: C901, PLR0911 - one branch per field
        if name == "version":
            return ENGINE_VERSION
        if name == "node":
            found = args.get("id")  # `load` has replaced a known ID by its object
            if found is None or isinstance(found, str):
                raise EmulatorError(f"no object with id {raw.get('id')!r} in this session")
            return found
        if name == "container":
            return Container(platform=str(args["platform"]) if args.get("platform") else None)
        if name == "directory":
            return Directory()
        if name == "cacheVolume":
            return CacheVolume(str(args["key"]))
        if name == "host":
            return _Host()
        if name == "setSecret":
            return Secret(str(args["name"]), str(args["plaintext"]))
        if name == "secret":
            uri = str(args["uri"])
            if not uri.startswith("env://") or uri.removeprefix("env://") not in os.environ:
                raise EmulatorError(f"secret {uri}: only env:// secrets of set variables are emulated")
            return Secret(uri, os.environ[uri.removeprefix("env://")])
        raise EmulatorError(f"Query.{name} is not emulated")

    def _container(self, ctr: Container, name: str, args: dict[str, object]) -> object:  # noqa: C901, PLR0911, PLR0912 - one branch per field
        if name in CONTAINER_OPS:
            return ctr.then(Op(name, frozen_args(args)))
        if name == "sync":
            self.run.container(ctr)
            return self.id_of(ctr)
        if name == "asTarball":
            compression = args.get("forcedCompression")
            if compression not in {None, "Uncompressed"}:
                raise EmulatorError(f"Container.asTarball(forcedCompression: {compression}) is not emulated")
            # Layers as `docker save` writes them, uncompressed for images built or seeded here.
            # Unset, the engine gzips each layer that has no compressed blob yet
            # (core/schema/container.go asTarball): not reproduced (docs/dagger.md).
            docker_media = args.get("mediaTypes") == "DockerMediaTypes"
            return File(("tarball", ctr, "docker" if docker_media else "oci"))
        if name in {"exitCode", "stdout", "stderr", "combinedOutput"}:
            last = self.run.container(ctr).last
            if last is None:
                raise EmulatorError("no command has been set")
            return {
                "exitCode": last.exit_code,
                "stdout": last.stdout,
                "stderr": last.stderr,
                "combinedOutput": last.stdout + last.stderr,
            }[name]
        if name == "directory":
            return Directory(("container", ctr, str(args["path"])))
        if name == "file":
            return File(("container", ctr, str(args["path"])))
        if name == "user":
            return self.run.container(ctr).user
        if name == "workdir":
            return self.run.container(ctr).workdir
        if name == "label":
            return dict(self.run.container(ctr).labels).get(str(args["name"]))
        if name == "asService":
            return self._as_service(ctr, args)
        if name == "exposedPorts":
            # core/schema/container.go exposedPorts: the image's EXPOSE ports and withExposedPort's
            state = self.run.container(ctr)
            ours = {(p.port, p.protocol) for p in state.ports}
            return [*state.ports, *(p for p in state.image_ports if (p.port, p.protocol) not in ours)]
        raise EmulatorError(f"Container.{name} is not emulated")

    @staticmethod
    def _as_service(ctr: Container, args: dict[str, object]) -> Service:
        unknown = sorted(k for k, v in args.items() if v and k not in AS_SERVICE_ARGS)
        if unknown:
            raise EmulatorError(f"Container.asService({', '.join(unknown)}) is not emulated")
        return Service(
            ctr,
            tuple(str(a) for a in args.get("args") or ()),  # pyright: ignore[reportGeneralTypeIssues, reportUnknownArgumentType, reportUnknownVariableType]
            use_entrypoint=bool(args.get("useEntrypoint")),
            insecure_root_capabilities=bool(args.get("insecureRootCapabilities")),
        )

    def _service(self, service: Service, name: str, args: dict[str, object]) -> object:
        # core/schema/service.go: start and stop answer the service's own ID
        if name == "start":
            self.run.services.start(service, explicit=True)
            return self.id_of(service)
        if name == "stop":
            self.run.services.stop(service, kill=bool(args.get("kill")))
            return self.id_of(service)
        raise EmulatorError(f"Service.{name} is not emulated")

    @staticmethod
    def _port(port: Port, name: str, args: dict[str, object]) -> object:
        del args
        if name == "port":
            return port.port
        if name == "protocol":
            return port.protocol
        raise EmulatorError(f"Port.{name} is not emulated")

    def _directory(self, directory: Directory, name: str, args: dict[str, object]) -> object:
        if name == "dockerBuild":
            platform = str(args["platform"]) if args.get("platform") else None
            return Container(platform, (Op("dockerBuild", frozen_args({**args, "context": directory})),))
        if name in DIRECTORY_OPS:
            return directory.then(Op(name, frozen_args(args)))
        if name == "file":
            return File(("directory", directory, str(args["path"])))
        if name == "sync":
            self.run.directory(directory)
            return self.id_of(directory)
        if name == "entries":
            return sorted(p.name for p in self.run.directory(directory).iterdir())
        if name == "export":
            # core/directory.go Export: the files land in the caller's filesystem (here: the module's)
            target = Path(str(args["path"]))
            target.mkdir(parents=True, exist_ok=True)
            source = self.run.directory(directory)
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    dest = target / path.relative_to(source)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(path.read_bytes())
                    dest.chmod(path.stat().st_mode & 0o777)
            return str(target)
        raise EmulatorError(f"Directory.{name} is not emulated")

    def _file(self, file: File, name: str, args: dict[str, object]) -> object:
        if name == "contents":
            return self.run.file(file).read_text(encoding="utf-8", errors="replace")
        if name == "size":
            return self.run.file(file).stat().st_size
        if name == "sync":
            self.run.file(file)
            return self.id_of(file)
        if name == "export":
            target = Path(str(args["path"]))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.run.file(file).read_bytes())
            return str(target)
        raise EmulatorError(f"File.{name} is not emulated")

    @staticmethod
    def _secret(secret: Secret, name: str, args: dict[str, object]) -> object:
        del args
        if name == "plaintext":
            return secret.plaintext
        if name == "name":
            return secret.name
        raise EmulatorError(f"Secret.{name} is not emulated")

    @staticmethod
    def _host(host: _Host, name: str, args: dict[str, object]) -> object:
        del host
        if name != "directory":
            raise EmulatorError(f"Host.{name} is not emulated")
        directory = Directory(("host", None, str(Path(str(args["path"])).resolve())))
        if args.get("include") or args.get("exclude"):
            directory = directory.then(
                Op("filter", frozen_args({"include": args.get("include"), "exclude": args.get("exclude")}))
            )
        return directory

    @staticmethod
    def _cache(cache: CacheVolume, name: str, args: dict[str, object]) -> object:
        del cache, args
        raise EmulatorError(f"CacheVolume.{name} is not emulated")


@dataclass(frozen=True)
class _Host:
    """`host`: the caller's filesystem."""
