"""Where the bootstrap keeps its state and which ports it serves, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shipyard.errors import BootstrapError

REGISTRY_PORT_ENV = "SHIPYARD_REGISTRY_PORT"
AUTH_REGISTRY_PORT_ENV = "SHIPYARD_AUTH_REGISTRY_PORT"
STATE_DIR_ENV = "SHIPYARD_ENGINE_DIR"
MIRROR_ENV = "SHIPYARD_DEBIAN_MIRROR"


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:  # noqa: PLR2004 - the TCP port range
        raise BootstrapError(f"{name}={raw!r} is not a TCP port", fix=f"set {name} to a number 1-65535")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Everything the environment may change about a bootstrap run."""

    state_dir: Path
    """Root-only directory holding logs, pid files, registry data, credentials and rootfs caches."""
    registry_port: int
    """Port of the plain registry (no auth) on 127.0.0.1; dockerd uses it as its Docker Hub mirror."""
    auth_registry_port: int
    """Port of the htpasswd-protected registry on 127.0.0.1."""
    debian_mirror: str
    """Debian mirror debootstrap downloads from."""

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from SHIPYARD_* environment variables, with defaults."""
        return cls(
            state_dir=Path(os.environ.get(STATE_DIR_ENV, "/var/lib/shipyard-engine")),
            registry_port=_port(REGISTRY_PORT_ENV, 5000),
            auth_registry_port=_port(AUTH_REGISTRY_PORT_ENV, 5001),
            debian_mirror=os.environ.get(MIRROR_ENV, "http://deb.debian.org/debian"),
        )

    @property
    def credentials_file(self) -> Path:
        """The auth registry's `user:password` file (0600)."""
        return self.state_dir / "registry-auth.credentials"

    @property
    def registry(self) -> str:
        """`host:port` of the plain registry."""
        return f"127.0.0.1:{self.registry_port}"

    @property
    def auth_registry(self) -> str:
        """`host:port` of the auth registry."""
        return f"127.0.0.1:{self.auth_registry_port}"
