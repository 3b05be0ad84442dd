"""Registry authentication: the WWW-Authenticate challenge, Basic credentials, Bearer tokens.

A registry answers `GET /v2/` with 401 and a challenge. `Basic` (htpasswd registries) takes the
credentials on every request. `Bearer` (ghcr.io, Docker Hub, most clouds) sends the credentials
once to the token service named by `realm`, for a `service` and `scope`, and uses the token.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

_PARAM = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True, slots=True)
class Credentials:
    """A registry user and password (or token). The password never appears in repr()."""

    username: str
    password: str = field(repr=False)

    def basic(self) -> str:
        """The `Authorization` header value for Basic auth."""
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


@dataclass(frozen=True, slots=True)
class Challenge:
    """One parsed WWW-Authenticate challenge."""

    scheme: str
    """`basic` or `bearer` (lower case)."""
    params: dict[str, str] = field(default_factory=dict[str, str])
    """realm, service, scope, error, ..."""


def parse_challenge(header: str) -> Challenge:
    """`Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"`."""
    scheme, _, rest = header.strip().partition(" ")
    params = {
        m[1].lower(): (m[2] if m[2] is not None else m[3]).replace('\\"', '"') for m in _PARAM.finditer(rest)
    }
    return Challenge(scheme=scheme.lower(), params=params)


def push_scope(repository: str) -> str:
    """The token scope a push needs."""
    return f"repository:{repository}:pull,push"
