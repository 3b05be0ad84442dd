"""Connecting to the Docker Engine, with errors that say how to get one."""

from __future__ import annotations

import os
from typing import Any

import docker
import docker.errors
import requests.exceptions

from shipyard.errors import EngineError

ENGINE_FIX = (
    "start the Docker Engine (on a Debian host: `shipyard engine bootstrap` as root) or set DOCKER_HOST"
)


def connect(timeout: float = 120) -> Any:
    """A client for the engine DOCKER_HOST names (the local socket by default), checked with a ping."""
    where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        client: Any = docker.from_env(timeout=int(timeout))
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise EngineError(f"cannot reach the Docker Engine at {where}: {reason}", fix=ENGINE_FIX) from exc
    return client
