"""The publish secrets, read from the values the user provided (never from argv)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import PublishError
from shipyard.oci.auth import Credentials
from shipyard.oci.scrub import Scrubber
from shipyard.stages.publish import COSIGN_KEY, COSIGN_PASSWORD, REGISTRY_PASSWORD, REGISTRY_USERNAME

if TYPE_CHECKING:
    from collections.abc import Mapping

MAX_KEY_PATH = 4096
"""A COSIGN_KEY value longer than this is no path."""


@dataclass(frozen=True)
class Secrets:
    """The publish secrets, checked to be present."""

    credentials: Credentials
    """Registry user and password (or token)."""
    cosign_key: bytes | None
    """The cosign private key (PEM), when signing."""
    cosign_password: str
    """The key's password (may be empty)."""

    @classmethod
    def read(cls, values: Mapping[str, str], *, sign: bool) -> Secrets:
        """Every secret the step needs, or one error naming all that are missing."""
        wanted = [REGISTRY_USERNAME, REGISTRY_PASSWORD, *([COSIGN_KEY] if sign else [])]
        missing = [name for name in wanted if not values.get(name)]
        if missing:
            raise PublishError(
                f"publishing needs {', '.join(missing)} set in shipyard's environment",
                fix="export them and re-run (for ghcr.io: your user and a token with write:packages)",
            )
        key = cosign_key_bytes(values[COSIGN_KEY]) if sign else None
        return cls(
            credentials=Credentials(values[REGISTRY_USERNAME], values[REGISTRY_PASSWORD]),
            cosign_key=key,
            cosign_password=values.get(COSIGN_PASSWORD, ""),
        )

    def scrubber(self, raw: Mapping[str, str]) -> Scrubber:
        """Masks every secret value (and the raw COSIGN_KEY, which may be a path)."""
        key = self.cosign_key.decode("utf-8", "replace") if self.cosign_key else ""
        return Scrubber.for_registry(
            self.credentials.username,
            self.credentials.password,
            key,
            raw.get(COSIGN_KEY, ""),
            self.cosign_password,
        )


def cosign_key_bytes(value: str) -> bytes:
    """COSIGN_KEY is the key's PEM text or the path of a file holding it."""
    if "-----BEGIN" in value:
        return value.encode()
    path = Path(value).expanduser()
    try:
        data = path.read_bytes() if "\n" not in value and len(value) < MAX_KEY_PATH else b""
    except OSError:
        data = b""
    if b"-----BEGIN" not in data:
        raise PublishError(
            f"{COSIGN_KEY} is neither a PEM private key nor the path of a readable key file",
            fix="set it to the content of cosign.key or to its path (`cosign generate-key-pair` makes one)",
        )
    return data
