"""Which Docker Engine the client talks to, and whether that engine shares this machine.

The endpoint is what the docker CLI would use, so the SDK calls and the `docker buildx` /
`docker compose` subprocesses reach the same engine: DOCKER_HOST (with DOCKER_TLS_VERIFY and
DOCKER_CERT_PATH), else the docker context DOCKER_CONTEXT or the CLI config's current context
names, else the local socket.

Locality is an observation, not a decision: a local engine (a unix socket, or TCP to loopback)
shares this machine's network, so the executor may probe a stack's containers at their addresses
from this process; a remote one (TCP to another address, ssh://) gets every probe from a
container on the engine. Nothing else depends on it: files always travel through the API.
SHIPYARD_ENGINE_LOCALITY=remote corrects the detection for a loopback port that is a tunnel to
another host.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from dataclasses import dataclass
from typing import Any

from docker.context import ContextAPI
from docker.context.config import get_current_context_name

from shipyard.errors import EngineError

DEFAULT_HOST = "unix:///var/run/docker.sock"
LOCALITY_ENV = "SHIPYARD_ENGINE_LOCALITY"
LOCAL_SCHEMES = frozenset({"unix", "npipe", "fd"})


@dataclass(frozen=True)
class Endpoint:
    """Where the engine is and how to reach it."""

    host: str
    """The engine's address as docker writes it: unix:///…, tcp://host:port, ssh://user@host."""
    source: str
    """What named it: `DOCKER_HOST`, `docker context NAME`, or `the default socket`."""

    @property
    def local(self) -> bool:
        """Whether the engine runs on this machine (see `shares_host`), unless the user said otherwise."""
        said = os.environ.get(LOCALITY_ENV, "").strip().lower()
        if said in {"local", "remote"}:
            return said == "local"
        return shares_host(self.host)

    def describe(self) -> str:
        """`tcp://10.0.0.2:2375 (DOCKER_HOST)` for messages."""
        return f"{self.host} ({self.source})"


def shares_host(host: str) -> bool:
    """Whether an engine at `host` runs on this machine: a local socket, or TCP to a loopback address."""
    parsed = urllib.parse.urlsplit(host if "://" in host else f"tcp://{host}")
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    if parsed.scheme not in {"tcp", "http", "https"}:
        return False  # ssh:// and anything else: another machine
    name = (parsed.hostname or "").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def current_endpoint() -> Endpoint:
    """The endpoint the docker CLI would use now."""
    host = os.environ.get("DOCKER_HOST", "").strip()
    if host:
        return Endpoint(host=host, source="DOCKER_HOST")
    name = os.environ.get("DOCKER_CONTEXT", "").strip() or get_current_context_name()
    if name in {"", "default"}:
        return Endpoint(host=DEFAULT_HOST, source="the default socket")
    context: Any = ContextAPI.get_context(name)
    if context is None or not context.Host:
        raise EngineError(
            f"docker context {name!r} does not exist",
            fix="see `docker context ls`; pick one with `docker context use NAME` or DOCKER_CONTEXT",
        )
    return Endpoint(host=str(context.Host), source=f"docker context {name}")
