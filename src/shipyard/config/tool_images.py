"""Pinned tool images: the exact images the pipeline's tools run from, by tag and digest.

A digest pins what users pull from their registry. On machines without a registry (air-gapped
hosts, shipyard's own build machines) the engine bootstrap seeds a stand-in under the same
repository and tag and labels it with the digest it stands in for; the Docker executor accepts
such a stand-in only by that label and says so in the summary.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")

SEEDED_LABEL = "dev.shipyard.seeded-for"
"""Label a seeded stand-in image carries: the `repository:tag@digest` it stands in for."""


class ToolImage(BaseModel):
    """One pinned tool image."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repository: str
    """Repository, e.g. `ghcr.io/astral-sh/uv`."""
    tag: str
    """Human-readable version tag, e.g. `0.9.5`."""
    digest: str
    """Content digest of the image index the tag pointed at when pinned (`sha256:` + 64 hex)."""
    binary: str
    """Absolute path of the tool's executable inside the image."""

    @field_validator("digest")
    @classmethod
    def _is_digest(cls, value: str) -> str:
        if not _DIGEST_RE.match(value):
            msg = f"digest {value!r} is not 'sha256:' followed by 64 lowercase hex digits"
            raise ValueError(msg)
        return value

    @field_validator("tag")
    @classmethod
    def _is_tag(cls, value: str) -> str:
        if not _TAG_RE.match(value):
            msg = f"tag {value!r} is not a valid image tag"
            raise ValueError(msg)
        return value

    @property
    def tagged(self) -> str:
        """`repository:tag`, the name a local stand-in is seeded under."""
        return f"{self.repository}:{self.tag}"

    @property
    def pinned(self) -> str:
        """`repository:tag@digest`, the reference users pull."""
        return f"{self.tagged}@{self.digest}"


# The digests below are the multi-platform index digests the upstream projects published for
# these tags (see docs/tool-images.md for where each was read). Seeded stand-ins carry them in
# SEEDED_LABEL.
DEFAULT_TOOL_IMAGES: dict[str, ToolImage] = {
    "uv": ToolImage(
        repository="ghcr.io/astral-sh/uv",
        tag="0.11.7",
        digest="sha256:240fb85ab0f263ef12f492d8476aa3a2e4e1e333f7d67fbdd923d00a506a516a",
        binary="/uv",
    ),
    "ruff": ToolImage(
        repository="ghcr.io/astral-sh/ruff",
        tag="0.16.5",
        digest="sha256:8355b79edf35788aef97ac9b1ff3b758604a5d67963ead617c45c72e1d92871f",
        binary="/ruff",
    ),
    "syft": ToolImage(
        repository="anchore/syft",
        tag="v1.18.1",
        digest="sha256:b8c170b8e51bfc4779ec3ef4399942c57290f5ce76a9c3af564c9d00d4946a6b",
        binary="/syft",
    ),
    "trivy": ToolImage(
        repository="aquasec/trivy",
        tag="0.59.1",
        digest="sha256:029e990b328d149bf0a9ffe355919041e1f86192db2df47e217f8a36dd42ceac",
        binary="/usr/local/bin/trivy",
    ),
    "gitleaks": ToolImage(
        repository="zricethezav/gitleaks",
        tag="v8.30.1",
        digest="sha256:c00b6bd0aeb3071cbcb79009cb16a60dd9e0a7c60e2be9ab65d25e6bc8abbb7f",
        binary="/usr/bin/gitleaks",
    ),
    "cosign": ToolImage(
        repository="ghcr.io/sigstore/cosign/cosign",
        tag="v2.5.0",
        digest="sha256:e82eb6d42ccb6bc048d8d9e5e598e4d5178e1af6c00e54e02c9b0569c5f3ec11",
        binary="/ko-app/cosign",
    ),
}
