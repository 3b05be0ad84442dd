"""Image repository names: which registry host they live on, and how to reach it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.errors import PublishError

_PATH = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


def names_registry(component: str) -> bool:
    """Whether the first path component of an image name is a registry host (docker's rule)."""
    return "." in component or ":" in component or component == "localhost"


@dataclass(frozen=True, slots=True)
class Repository:
    """`ghcr.io/acme/app` is path `acme/app` on host `ghcr.io`."""

    host: str
    path: str

    @classmethod
    def parse(cls, name: str) -> Repository:
        """Split a fully qualified repository name (no tag, no digest)."""
        host, _, path = name.partition("/")
        if not path or not names_registry(host):
            raise PublishError(
                f"{name!r} names no registry host",
                fix="set [tool.shipyard.publish] registry or a full [tool.shipyard.image] name",
            )
        if "@" in path or ":" in path or not _PATH.match(path):
            raise PublishError(
                f"{name!r} is not a valid repository name (lower-case path components, no tag)",
                fix="correct [tool.shipyard.image] name",
            )
        return cls(host=host, path=path)

    @property
    def local(self) -> bool:
        """A registry on this machine: spoken to over plain http, as docker does."""
        return self.host.rsplit(":", 1)[0] in LOCAL_HOSTS or self.host.startswith("[::1]")

    def __str__(self) -> str:
        return f"{self.host}/{self.path}"


def target_repository(image_name: str, registry: str) -> str:
    """Where publish pushes: the image name if it names a registry host, else `{registry}/{name}`."""
    first = image_name.split("/", 1)[0]
    if "/" in image_name and names_registry(first):
        return image_name
    return f"{registry.rstrip('/')}/{image_name}"
