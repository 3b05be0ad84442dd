"""Rewrite an image tarball as a plain docker-archive: config, uncompressed layers, manifest.json.

`docker save` on an engine with the containerd image store writes an OCI layout whose
manifest.json lists the registry's (often gzip-compressed) blobs and whose index nests the
platform manifest inside a second index. Scanners read the classic format reliably (syft 1.18's
docker-archive reader fails on compressed layers, its oci-archive reader on nested indexes), so
the build stage hands downstream stages this form: one platform, each layer an uncompressed tar
named by its diff id.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from typing import TYPE_CHECKING, Any, cast

from shipyard.errors import StageError
from shipyard.oci.layout import ImageArchive

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.oci.index import Platform

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20


def to_docker_archive(source: Path, dest: Path, *, tag: str, platform: Platform | None = None) -> None:
    """Write `dest` from the image tarball `source` (one platform, uncompressed layers)."""
    with ImageArchive(source) as archive, tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        image = archive.image(platform)
        config_bytes = archive.read(image.config.digest)
        config = cast("dict[str, Any]", json.loads(config_bytes))
        diff_ids = cast("list[str]", config.get("rootfs", {}).get("diff_ids", []))
        if len(diff_ids) != len(image.layers):
            raise StageError(
                f"{source}: the image config lists {len(diff_ids)} layers, the manifest {len(image.layers)}",
                fix="rebuild the image",
            )
        staged = tempfile.NamedTemporaryFile(dir=tmp, delete=False, suffix=".tar")  # noqa: SIM115 - closed below
        with staged, tarfile.open(fileobj=staged, mode="w") as out:
            config_name = f"{image.config.digest.removeprefix('sha256:')}.json"
            _add_bytes(out, config_name, config_bytes)
            layer_names: list[str] = []
            for layer, diff_id in zip(image.layers, diff_ids, strict=True):
                name = f"{diff_id.removeprefix('sha256:')}/layer.tar"
                _add_layer(out, name, archive, digest=layer.digest, diff_id=diff_id, tmp=tmp)
                layer_names.append(name)
            manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}]
            _add_bytes(out, "manifest.json", json.dumps(manifest).encode())
        shutil.move(staged.name, dest)


def _add_bytes(out: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    out.addfile(info, io.BytesIO(data))


def _add_layer(
    out: tarfile.TarFile, name: str, archive: ImageArchive, *, digest: str, diff_id: str, tmp: str
) -> None:
    """Add one layer, decompressed to a temporary file first (its size goes into the tar header)."""
    with archive.open(digest) as blob, tempfile.TemporaryFile(dir=tmp) as plain:
        head = blob.read(2)
        rest: Any = blob
        stream: Any = (
            gzip.GzipFile(fileobj=_Prefixed(head, rest)) if head == GZIP_MAGIC else _Prefixed(head, rest)
        )
        hasher = hashlib.sha256()
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
            plain.write(chunk)
        if f"sha256:{hasher.hexdigest()}" != diff_id:
            raise StageError(f"layer {digest} does not match its diff id {diff_id}", fix="rebuild the image")
        info = tarfile.TarInfo(name)
        info.size = plain.tell()
        info.mode = 0o644
        plain.seek(0)
        out.addfile(info, plain)


class _Prefixed(io.RawIOBase):
    """A stream that yields `head` and then the rest of `tail` (to peek at magic bytes)."""

    def __init__(self, head: bytes, tail: Any) -> None:  # noqa: ANN401 - any binary file object
        self._head = head
        self._tail = tail

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(b), len(self._head))
            b[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._tail.read(len(b))
        b[: len(data)] = data
        return len(data)
