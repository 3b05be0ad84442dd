"""Prepared environments on the Docker Engine: committed images, kept by the core's environment key.

Why an image and not a volume: `docker commit` is atomic (the tag exists only once the engine
wrote the whole layer, and it is made only after every setup command exited 0), so a setup
killed half-way leaves nothing to reuse; an image is immutable, so legs and parallel runs that
start from it never change it (each container writes to its own copy-on-write layer); and it is
layered on its base image, so it holds only what the setup added. A volume would be shared,
mutable state that a crash can leave half-written.

What it holds: the setup's own changes (the venv, coverage beside it) and the few files the
setup read (lock, pyproject), never the rest of the source; tools and caches are volumes, which
a commit leaves out. A step with secrets has no environment (spec.ContainerStep refuses it).

Bound: the images' own layers (size over their base's) stay under SHIPYARD_ENV_MAX (default
8 GiB), checked each time one is kept. Eviction: environments whose base image is gone first
(they can never be used again), then the oldest prepared (the engine records no last use of an
image: a re-tag does not refresh it on the containerd store). `shipyard cache prune` applies the
same rule; `--all` removes every one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any

import docker.errors
import requests.exceptions

from shipyard.plan.cache_bound import max_bytes

REPOSITORY = "shipyard-env"
KEY_LABEL = "dev.shipyard.environment"
"""The environment key (stages.environment) an image was prepared for."""
BASE_LABEL = "dev.shipyard.environment.base"
"""The ID of the base image it was prepared on: it is never used on another."""
MAX_ENV = "SHIPYARD_ENV_MAX"
DEFAULT_MAX_BYTES = 8 * 1024**3
"""8 GiB: a few projects' matrices (a webapp leg adds about 60 MB over its base)."""


def repository() -> str:
    """The image repository environments are tagged in; SHIPYARD_CACHE_NAMESPACE isolates benchmarks."""
    namespace = os.environ.get("SHIPYARD_CACHE_NAMESPACE", "")
    return f"{REPOSITORY}-{namespace}" if namespace else REPOSITORY


def env_max_bytes() -> int:
    """The bound from SHIPYARD_ENV_MAX (`8G`, `500M`, bytes), else the default."""
    return max_bytes(os.environ[MAX_ENV]) if os.environ.get(MAX_ENV) else DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class KeptEnvironment:
    """One prepared environment on the engine."""

    ref: str
    key: str
    base: str
    size: int
    """Bytes it adds over its base image."""
    made: float
    """When it was prepared (the image's creation time)."""
    base_present: bool


class EnvironmentStore:
    """Finds, keeps and evicts prepared environments on one engine."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def find(self, key: str, base_id: str) -> str | None:
        """The image ID of the environment kept for `key` on base `base_id`, or None."""
        ref = f"{repository()}:{key}"
        try:
            attrs: dict[str, Any] = self._client.api.inspect_image(ref)
        except (docker.errors.ImageNotFound, docker.errors.NotFound):
            return None
        config: dict[str, Any] = attrs.get("Config") or {}
        labels: dict[str, str] = config.get("Labels") or {}
        if labels.get(KEY_LABEL) != key or labels.get(BASE_LABEL) != base_id:
            return None
        return str(attrs["Id"])

    def keep(self, container: Any, key: str, base_id: str) -> None:
        """Commit the container's environment under `key`, then evict past the bound (never `key`)."""
        container.commit(
            repository=repository(),
            tag=key,
            changes=[f"LABEL {KEY_LABEL}={key}", f"LABEL {BASE_LABEL}={base_id}"],
        )
        self.prune(limit=env_max_bytes(), keep=(key,))

    def entries(self) -> list[KeptEnvironment]:
        """Every kept environment of this namespace, oldest first."""
        found: list[KeptEnvironment] = []
        try:
            images = self._client.api.images(name=repository())
        except (docker.errors.APIError, requests.exceptions.RequestException):
            return found
        for image in images:
            labels: dict[str, str] = image.get("Labels") or {}
            key = labels.get(KEY_LABEL)
            if not key:
                continue
            base = labels.get(BASE_LABEL, "")
            base_size = self._size(base)
            made = float(image.get("Created", 0))
            size = int(image.get("Size", 0))
            found.append(
                KeptEnvironment(
                    ref=f"{repository()}:{key}",
                    key=key,
                    base=base,
                    size=max(size - (base_size or 0), 0),
                    made=made,
                    base_present=base_size is not None,
                )
            )
        return sorted(found, key=lambda e: e.made)

    def prune(self, *, limit: int, keep: tuple[str, ...] = ()) -> list[KeptEnvironment]:
        """Remove environments whose base is gone, then the oldest until under `limit` (never `keep`)."""
        current = self.entries()
        removed = [e for e in current if not e.base_present and e.key not in keep]
        left = [e for e in current if e not in removed]
        total = sum(e.size for e in left)
        for entry in left:
            if total <= limit:
                break
            if entry.key in keep:
                continue
            removed.append(entry)
            total -= entry.size
        for entry in removed:
            with contextlib.suppress(docker.errors.APIError):
                self._client.api.remove_image(entry.ref, force=True)
        return removed

    def _size(self, image_id: str) -> int | None:
        if not image_id:
            return None
        try:
            return int(self._client.api.inspect_image(image_id).get("Size", 0))
        except (docker.errors.ImageNotFound, docker.errors.NotFound):
            return None
