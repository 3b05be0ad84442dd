"""Finding the image a stage names on the engine: by digest, by seeded stand-in, or by pulling.

A pinned reference `repo:tag@sha256:…` is used as pinned when the engine has that digest. On an
air-gapped engine the bootstrap seeds stand-ins under `repo:tag`, labelled with the pinned
reference they replace; such a stand-in is accepted only when its label matches exactly.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import docker.errors
import requests.exceptions

from shipyard.bootstrap.seed_tools import STAND_IN_LABEL
from shipyard.config.tool_images import SEEDED_LABEL
from shipyard.errors import ImageNotFoundError

OFFLINE_FIX = (
    "pull it on a connected machine and `docker save`/`docker load` it here, or seed the air-gapped "
    "engine with `shipyard engine bootstrap`"
)


@dataclass(frozen=True)
class ResolvedImage:
    """An image present on the engine."""

    ref: str
    """The reference the stage asked for."""
    id: str
    """The engine's image id: what containers are created from."""
    stand_in: bool
    """True when a seeded stand-in replaces a pinned digest."""
    stand_in_version: str | None = None
    """The tool version a stand-in really has, when it is not the pinned tag's (its label)."""


def _split(ref: str) -> tuple[str, str | None]:
    name, _, digest = ref.partition("@")
    return name, digest or None


class ImageResolver:
    """Resolves references once per run (thread-safe), pulling at most once per reference."""

    def __init__(self, client: Any, *, pull: bool = True) -> None:
        self._client = client
        self._pull = pull
        self._lock = threading.Lock()
        self._known: dict[str, ResolvedImage] = {}

    def resolve(self, ref: str, platform: str | None = None) -> ResolvedImage:
        """The local image for `ref` (and `platform`), pulled if allowed and missing."""
        key = f"{ref}|{platform}"
        with self._lock:
            if key not in self._known:
                self._known[key] = self._find(ref, platform)
            return self._known[key]

    def stand_ins(self) -> list[str]:
        """Pinned references resolved to seeded stand-ins so far, each with the version it really runs."""
        with self._lock:
            return sorted({_described(r) for r in self._known.values() if r.stand_in})

    def _inspect(self, ref: str) -> dict[str, Any] | None:
        try:
            return self._client.api.inspect_image(ref)
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            if exc.status_code == 404:  # noqa: PLR2004 - HTTP status
                return None
            raise

    def _find(self, ref: str, platform: str | None) -> ResolvedImage:
        name, digest = _split(ref)
        if digest:
            pinned = self._inspect(f"{_repository(name)}@{digest}")
            if pinned is not None:
                return ResolvedImage(ref=ref, id=pinned["Id"], stand_in=False)
            seeded = self._inspect(name)
            if seeded is not None:
                config: dict[str, Any] = seeded.get("Config") or {}
                labels: dict[str, str] = config.get("Labels") or {}
                if labels.get(SEEDED_LABEL) == ref:
                    version = labels.get(STAND_IN_LABEL) or None
                    return ResolvedImage(ref=ref, id=seeded["Id"], stand_in=True, stand_in_version=version)
        else:
            local = self._inspect(name)
            if local is not None:
                return ResolvedImage(ref=ref, id=local["Id"], stand_in=False)
        return self._pulled(ref, platform)

    def _pulled(self, ref: str, platform: str | None) -> ResolvedImage:
        reason = "pulling is disabled (--offline)"
        if self._pull:
            try:
                image = self._client.images.pull(ref, platform=platform)
                return ResolvedImage(ref=ref, id=image.id, stand_in=False)
            except (docker.errors.APIError, requests.exceptions.RequestException) as exc:
                reason = str(exc).splitlines()[0][:200]
        raise ImageNotFoundError(
            f"image {ref} is not on this engine and cannot be pulled: {reason}", fix=OFFLINE_FIX
        )


def _described(image: ResolvedImage) -> str:
    """`ref`, or `ref (stand-in: runs version X, not the pinned tag)` for a stand-in of another version."""
    if image.stand_in_version is None:
        return image.ref
    tag = _split(image.ref)[0].rsplit(":", 1)[-1]
    return f"{image.ref} (stand-in: runs version {image.stand_in_version}, not {tag})"


def _repository(name: str) -> str:
    """`repo:tag` → `repo` (a port colon in the registry host is kept)."""
    last = name.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[0] if ":" in last else name
