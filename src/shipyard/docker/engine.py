"""Connecting to the Docker Engine, with errors that say how to get one.

Three ways a connection fails get a line of their own: nothing answers (a stopped engine, a
closed port), TLS (missing or untrusted certificates), and an engine too old for the API
shipyard uses.
"""

from __future__ import annotations

import re
import ssl
from typing import Any

import docker
import docker.errors
import requests.exceptions

from shipyard.docker.endpoint import Endpoint, current_endpoint
from shipyard.errors import EngineError

ENGINE_FIX = (
    "start the Docker Engine (on a Debian host: `shipyard engine bootstrap` as root) or set DOCKER_HOST"
)
REMOTE_FIX = (
    "check that the engine listens there (dockerd --host=tcp://0.0.0.0:2376 --tlsverify …, or ssh access) "
    "and that this machine reaches it, or unset DOCKER_HOST for the local engine (docs/scaling.md)"
)
MIN_API = "1.41"
"""Docker Engine 20.10: the oldest API whose calls the executor makes (a platform on create)."""
TLS_FIX = (
    "set DOCKER_CERT_PATH to a directory holding the engine's CA (ca.pem) and a client pair it trusts "
    "(cert.pem, key.pem), or unset DOCKER_TLS_VERIFY for a plain-TCP engine (docs/scaling.md)"
)
API_FIX = (
    f"upgrade that Docker Engine to 20.10 or newer (API {MIN_API}+), or point DOCKER_HOST at one that is"
)
_SSL_REASON = re.compile(r"\[SSL[^\]]*\][^'\")(]*")
_OS_REASON = re.compile(r"\[Errno -?\d+\][^'\")(]*")


def connect(timeout: float = 120) -> Any:
    """A client for the engine the docker CLI would use (DOCKER_HOST, a context, the local socket)."""
    endpoint = current_endpoint()
    try:
        client: Any = docker.from_env(timeout=int(timeout), use_ssh_client=endpoint.host.startswith("ssh://"))
        client.ping()
    except docker.errors.TLSParameterError as exc:
        raise EngineError(
            f"TLS settings for the Docker Engine at {endpoint.describe()} are incomplete: {_first_line(exc)}",
            fix=TLS_FIX,
        ) from exc
    except docker.errors.InvalidVersion as exc:
        raise _too_old(endpoint, _first_line(exc)) from exc
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        if (reason := _tls_failure(exc)) is not None:
            raise EngineError(
                f"TLS with the Docker Engine at {endpoint.describe()} failed: {reason}", fix=TLS_FIX
            ) from exc
        raise EngineError(
            f"cannot reach the Docker Engine at {endpoint.describe()}: {_reason(exc)}",
            fix=ENGINE_FIX if endpoint.local else REMOTE_FIX,
        ) from exc
    api = str(client.api.api_version)
    if _version(api) < _version(MIN_API):
        raise _too_old(endpoint, f"it speaks API {api}")
    return client


def _too_old(endpoint: Endpoint, said: str) -> EngineError:
    return EngineError(
        f"the Docker Engine at {endpoint.describe()} is too old for shipyard (API {MIN_API} needed): {said}",
        fix=API_FIX,
    )


def _tls_failure(exc: BaseException) -> str | None:
    """The TLS reason somewhere in the exception's chain, or None when TLS is not what failed."""
    seen: BaseException | None = exc
    visited: set[int] = set()
    while seen is not None and id(seen) not in visited:
        visited.add(id(seen))
        if isinstance(seen, (ssl.SSLError, requests.exceptions.SSLError)):
            match = _SSL_REASON.search(str(seen))
            return match.group(0).strip() if match else _first_line(seen)
        seen = seen.__cause__ or seen.__context__
    match = _SSL_REASON.search(str(exc))  # docker-py's version check flattens the cause into text
    return match.group(0).strip() if match else None


def _reason(exc: BaseException) -> str:
    """`[Errno 111] Connection refused` out of requests' nested message, else its first line."""
    match = _OS_REASON.search(str(exc))
    return match.group(0).strip() if match else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])
