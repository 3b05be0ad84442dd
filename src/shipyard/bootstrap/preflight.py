"""Checks that run before the bootstrap changes anything: root, Debian 12 with apt, free ports."""

from __future__ import annotations

import errno
import os
import shutil
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.bootstrap.procs import listener_pid, process_name, read_pid
from shipyard.bootstrap.settings import AUTH_REGISTRY_PORT_ENV, REGISTRY_PORT_ENV
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from shipyard.bootstrap.settings import Settings

OS_RELEASE = Path("/etc/os-release")


def check_root() -> None:
    """The bootstrap installs packages and starts daemons: it must run as root."""
    if os.geteuid() != 0:
        raise BootstrapError(
            f"the engine bootstrap must run as root (running as uid {os.geteuid()})",
            fix="run it with sudo: sudo shipyard engine bootstrap",
        )


def check_debian_12() -> None:
    """apt-get must be on PATH and the machine must be Debian 12 (bookworm)."""
    if shutil.which("apt-get") is None:
        raise BootstrapError(
            "apt-get is not on PATH: the engine bootstrap installs Debian packages",
            fix="run it on Debian 12 (bookworm) with apt-get on PATH, or install Docker Engine yourself",
        )
    fields = _os_release()
    if fields.get("ID") != "debian" or fields.get("VERSION_ID") != "12":
        name = fields.get("PRETTY_NAME", "an unknown system")
        raise BootstrapError(
            f"the engine bootstrap supports Debian 12 (bookworm) only, this is {name}",
            fix="run it on Debian 12, or install Docker Engine 26+ with buildx and compose yourself",
        )


def _os_release() -> dict[str, str]:
    try:
        text = OS_RELEASE.read_text(encoding="utf-8")
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key: value.strip().strip('"') for key, value in pairs}


def check_ports(settings: Settings) -> None:
    """Each registry port must be free, or already served by the registry this bootstrap started."""
    wanted = {
        settings.registry_port: (REGISTRY_PORT_ENV, "registry"),
        settings.auth_registry_port: (AUTH_REGISTRY_PORT_ENV, "registry-auth"),
    }
    if settings.registry_port == settings.auth_registry_port:
        raise BootstrapError(
            f"{REGISTRY_PORT_ENV} and {AUTH_REGISTRY_PORT_ENV} are both {settings.registry_port}",
            fix=f"give {AUTH_REGISTRY_PORT_ENV} a different port",
        )
    for port, (env_name, daemon) in wanted.items():
        if _port_free(port):
            continue
        owner = listener_pid(port)
        ours = read_pid(settings.state_dir / f"{daemon}.pid")
        if owner is not None and owner == ours:
            continue
        who = f"{process_name(owner)} (pid {owner})" if owner is not None else "another process"
        raise BootstrapError(
            f"port {port} on 127.0.0.1 is taken by {who}, not by shipyard's {daemon}",
            fix=f"stop that process or choose another port with {env_name}=<port>",
        )


def _port_free(port: int) -> bool:
    """Whether 127.0.0.1:port can be bound right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the registry's own listener does (Go sets SO_REUSEADDR): a port whose last connections
        # are in TIME_WAIT is free to listen on, not "taken".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def preflight(settings: Settings) -> None:
    """Run every check; the first failure raises before anything on the machine changed."""
    check_root()
    check_debian_12()
    check_ports(settings)
