"""The emulator's lazy objects: immutable chains of operations, hashable, compared by content.

Like the engine's, an object is only what was asked for (core/container.go, core/directory.go keep
lazy states); `materialize.py` runs a chain when a scalar or an export needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Args = tuple[tuple[str, object], ...]
"""Field arguments, sorted by name, with lists as tuples and objects as values."""


def frozen_args(args: dict[str, object]) -> Args:
    """Arguments as a hashable, ordered tuple."""

    def freeze(value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(freeze(v) for v in value)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        if isinstance(value, dict):
            return tuple(sorted((str(k), freeze(v)) for k, v in value.items()))  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        return value

    return tuple(sorted((k, freeze(v)) for k, v in args.items()))


@dataclass(frozen=True)
class Op:
    """One field applied to an object: its name and arguments."""

    name: str
    args: Args = ()

    def arg(self, name: str, default: object = None) -> object:
        """One argument's value."""
        return next((v for k, v in self.args if k == name), default)


@dataclass(frozen=True)
class Secret:
    """A secret: its value never appears in a logged query (only its name or URI does)."""

    name: str
    plaintext: str = field(repr=False, compare=False)


@dataclass(frozen=True)
class CacheVolume:
    """A named cache volume; its contents persist across calls (core/cache.go)."""

    key: str


@dataclass(frozen=True)
class Container:
    """`container(platform)` followed by operations."""

    platform: str | None = None
    ops: tuple[Op, ...] = ()

    def then(self, op: Op) -> Container:
        """This container with one more operation."""
        return Container(self.platform, (*self.ops, op))

    @property
    def parent(self) -> Container:
        """The container before its last operation."""
        return Container(self.platform, self.ops[:-1])


@dataclass(frozen=True)
class Directory:
    """An empty directory, a host directory, or a container's directory, followed by operations."""

    origin: tuple[str, object, str] = ("empty", None, "")
    """("empty", None, ""), ("host", None, path) or ("container", Container, path)."""
    ops: tuple[Op, ...] = ()

    def then(self, op: Op) -> Directory:
        """This directory with one more operation."""
        return Directory(self.origin, (*self.ops, op))


@dataclass(frozen=True)
class File:
    """A file of a directory or of a container."""

    origin: tuple[str, object, str]
    """("directory", Directory, path), ("container", Container, path) or ("tarball", Container, media)."""


@dataclass(frozen=True)
class Service:
    """`Container.asService`: a container and how it runs as a service (core/container.go AsService)."""

    container: Container
    args: tuple[str, ...] = ()
    use_entrypoint: bool = False
    insecure_root_capabilities: bool = False


@dataclass(frozen=True)
class Port:
    """One exposed port (core/container.go Port; `exposedPorts` in core/schema/container.go)."""

    port: int
    protocol: str = "TCP"
    skip_healthcheck: bool = False
