"""Platforms and the OCI image index that lists one manifest per platform."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from shipyard.errors import PublishError
from shipyard.oci.media import OCI_INDEX

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True, slots=True)
class Platform:
    """An OCI platform: `linux/arm64/v8` is os linux, architecture arm64, variant v8."""

    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """`linux/amd64` or `linux/arm/v7`."""
        parts = text.split("/")
        if len(parts) not in {2, 3} or not all(parts):
            raise PublishError(f"{text!r} is not a platform", fix="write it as os/architecture[/variant]")
        return cls(os=parts[0], architecture=parts[1], variant=parts[2] if len(parts) == 3 else None)  # noqa: PLR2004

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Platform:
        """From an image config or a descriptor's `platform` object."""
        variant = value.get("variant")
        return cls(
            os=str(value.get("os", "")),
            architecture=str(value.get("architecture", "")),
            variant=str(variant) if variant else None,
        )

    def matches(self, other: Platform) -> bool:
        """Same os and architecture; variants only compared when both name one."""
        same = self.os == other.os and self.architecture == other.architecture
        return same and (self.variant is None or other.variant is None or self.variant == other.variant)

    def to_json(self) -> dict[str, str]:
        """The `platform` object of an index entry."""
        value = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            value["variant"] = self.variant
        return value

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One platform's manifest as the index lists it."""

    media_type: str
    digest: str
    size: int
    platform: Platform


def digest_of(data: bytes) -> str:
    """`sha256:<hex>` of some bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_index(entries: Sequence[IndexEntry], annotations: Mapping[str, str] | None = None) -> bytes:
    """An OCI image index over one manifest per platform (canonical JSON: the same input, the same digest)."""
    if not entries:
        raise PublishError("an image index needs at least one platform", fix="build at least one platform")
    seen: dict[str, str] = {}
    for entry in entries:
        key = str(entry.platform)
        if key in seen:
            raise PublishError(
                f"two images for {key} ({seen[key][:19]} and {entry.digest[:19]})",
                fix="build each platform once",
            )
        seen[key] = entry.digest
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": e.media_type,
                "digest": e.digest,
                "size": e.size,
                "platform": e.platform.to_json(),
            }
            for e in entries
        ],
    }
    if annotations:
        document["annotations"] = dict(sorted(annotations.items()))
    return json.dumps(document, separators=(",", ":")).encode()


def index_platforms(data: bytes) -> list[str]:
    """The platforms an index document lists (for reports and tests)."""
    document = cast("dict[str, Any]", json.loads(data))
    manifests = cast("list[dict[str, Any]]", document.get("manifests", []))
    return [str(Platform.from_json(m.get("platform") or {})) for m in manifests]
