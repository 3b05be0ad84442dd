"""What the engine holds of a stage's observed state (Stage.observes): files in cache volumes.

Each file is read through the archive endpoint of a container that mounts its volume read-only
and never starts, so no shell and no command is needed in the image, and nothing is written.
A volume the engine does not have, or a file missing from it, is reported as absent.
"""

from __future__ import annotations

import hashlib
import posixpath
from typing import TYPE_CHECKING, Any

import docker.errors

from shipyard.docker.archive import first_file
from shipyard.docker.namespace import volume_name
from shipyard.executor import ABSENT

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.docker.images import ImageResolver
    from shipyard.stages.spec import VolumeFile

MOUNT = "/shipyard-observed"


def observe_files(
    client: Any, images: ImageResolver, files: tuple[VolumeFile, ...], labels: Mapping[str, str]
) -> tuple[str, ...]:
    """Each file's `sha256:<hex>`, or ABSENT."""
    return tuple(_observe(client, images, file, labels) for file in files)


def _observe(client: Any, images: ImageResolver, file: VolumeFile, labels: Mapping[str, str]) -> str:
    volume = volume_name(file.cache.name)
    try:
        client.api.inspect_volume(volume)
    except docker.errors.NotFound:
        return ABSENT
    holder = client.containers.create(
        images.resolve(file.image).id,
        entrypoint=["/shipyard-observe-only"],
        labels=dict(labels),
        volumes={volume: {"bind": MOUNT, "mode": "ro"}},
        network_disabled=True,
    )
    try:
        chunks, _ = holder.get_archive(posixpath.join(MOUNT, file.path))
        data = first_file(chunks, what=f"{file.path} in volume {volume}")
    except docker.errors.NotFound:
        return ABSENT
    finally:
        holder.remove(force=True)
    return "sha256:" + hashlib.sha256(data).hexdigest()
