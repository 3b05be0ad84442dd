"""A small OCI image writer: layers from directories, multi-platform indexes, `docker load` input.

Images are assembled here rather than with `docker build` so no base image has to be pulled:
each layer is an uncompressed tar of a directory, and one index can hold several platforms.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Blob:
    """Content-addressed bytes: in memory (JSON) or in a file (layers)."""

    media_type: str
    digest: str
    size: int
    data: bytes | None = None
    path: Path | None = None

    def descriptor(self, **extra: object) -> dict[str, object]:
        """The OCI descriptor pointing at this blob."""
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size, **extra}

    def chunks(self) -> Iterator[bytes]:
        """The content, in chunks."""
        if self.data is not None:
            yield self.data
            return
        assert self.path is not None  # noqa: S101 - a Blob holds data or a path by construction
        with self.path.open("rb") as src:
            while chunk := src.read(_CHUNK):
                yield chunk


def json_blob(media_type: str, value: object) -> Blob:
    """A JSON document as a blob (canonical: sorted keys, no spaces)."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return Blob(media_type, "sha256:" + hashlib.sha256(data).hexdigest(), len(data), data=data)


_LAYER_LOCKS: dict[str, threading.Lock] = {}
_LAYER_LOCKS_GUARD = threading.Lock()


def _layer_lock(out: Path) -> threading.Lock:
    """One lock per layer file: images seeded side by side share layers (every pyenv python's base)."""
    with _LAYER_LOCKS_GUARD:
        return _LAYER_LOCKS.setdefault(str(out), threading.Lock())


def layer_from_dir(root: Path, out: Path, excludes: Sequence[str] = ()) -> Blob:
    """Tar `root` into `out` (numeric owners, xattrs) once; reuse it and its digest afterwards."""
    with _layer_lock(out):
        return _layer_from_dir(root, out, excludes)


def _layer_from_dir(root: Path, out: Path, excludes: Sequence[str]) -> Blob:
    stamp = out.with_name(out.name + ".sha256")
    if out.exists() and stamp.exists():
        return Blob(LAYER_TYPE, stamp.read_text(encoding="utf-8").strip(), out.stat().st_size, path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    flags = [f"--exclude={pattern}" for pattern in excludes]
    run(["tar", "-C", str(root), "--numeric-owner", "--xattrs", *flags, "-cf", str(partial), "."])
    digest = hashlib.sha256()
    with partial.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    partial.replace(out)
    stamp.write_text(f"sha256:{digest.hexdigest()}\n", encoding="utf-8")
    return Blob(LAYER_TYPE, f"sha256:{digest.hexdigest()}", out.stat().st_size, path=out)


@dataclass(frozen=True)
class Platform:
    """An OCI platform."""

    architecture: str
    variant: str | None = None

    @property
    def name(self) -> str:
        """`linux/arch[/variant]`."""
        return "/".join(p for p in ("linux", self.architecture, self.variant) if p)

    def as_dict(self) -> dict[str, str]:
        """The platform object of an index entry or config."""
        fields = {"os": "linux", "architecture": self.architecture}
        return {**fields, "variant": self.variant} if self.variant else fields


AMD64 = Platform("amd64")
ARM64 = Platform("arm64", "v8")


@dataclass(frozen=True)
class ImageConfig:
    """The runtime part of an image config."""

    env: tuple[str, ...] = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    workdir: str | None = None
    user: str | None = None
    labels: dict[str, str] = field(default_factory=dict[str, str])
    exposed_ports: tuple[str, ...] = ()
    stop_signal: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The `config` object of an OCI image config."""
        values: dict[str, object | None] = {
            "Env": list(self.env),
            "Cmd": list(self.cmd) if self.cmd is not None else None,
            "Entrypoint": list(self.entrypoint) if self.entrypoint is not None else None,
            "WorkingDir": self.workdir,
            "User": self.user,
            "Labels": self.labels or None,
            "ExposedPorts": {port: {} for port in self.exposed_ports} or None,
            "StopSignal": self.stop_signal,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class PlatformImage:
    """One platform's image: its layers (bottom first) and its config."""

    platform: Platform
    layers: tuple[Blob, ...]
    config: ImageConfig

    def blobs(self) -> tuple[Blob, Blob]:
        """The config blob and the manifest blob."""
        config = json_blob(
            CONFIG_TYPE,
            {
                **self.platform.as_dict(),
                "created": "2026-01-01T00:00:00Z",
                "config": self.config.as_dict(),
                "rootfs": {"type": "layers", "diff_ids": [layer.digest for layer in self.layers]},
                "history": [{"created_by": "shipyard engine bootstrap"} for _ in self.layers],
            },
        )
        manifest = json_blob(
            MANIFEST_TYPE,
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": config.descriptor(),
                "layers": [layer.descriptor() for layer in self.layers],
            },
        )
        return config, manifest


@dataclass(frozen=True)
class Image:
    """A named image: one or more platforms under one index."""

    name: str
    """Full reference, e.g. `docker.io/library/python:3.11-slim`."""
    platforms: tuple[PlatformImage, ...]

    def index(self) -> Blob:
        """The image index listing every platform's manifest."""
        entries = [img.blobs()[1].descriptor(platform=img.platform.as_dict()) for img in self.platforms]
        return json_blob(INDEX_TYPE, {"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": entries})

    def all_blobs(self) -> list[Blob]:
        """Every blob (layers, configs, manifests, index), each once, dependencies first."""
        seen: dict[str, Blob] = {}
        for img in self.platforms:
            for blob in (*img.layers, *img.blobs()):
                seen.setdefault(blob.digest, blob)
        index = self.index()
        seen[index.digest] = index
        return list(seen.values())


def _add(tar: tarfile.TarFile, name: str, blob: Blob) -> None:
    info = tarfile.TarInfo(name)
    info.size = blob.size
    info.mode = 0o644
    if blob.data is not None:
        tar.addfile(info, io.BytesIO(blob.data))
    else:
        assert blob.path is not None  # noqa: S101 - a Blob holds data or a path by construction
        with blob.path.open("rb") as src:
            tar.addfile(info, src)


def docker_load(image: Image) -> str:
    """Stream `image` as an OCI archive into `docker load`; return the index digest (the image id)."""
    index = image.index()
    tag = image.name.rsplit(":", 1)[1]
    top = json_blob(
        INDEX_TYPE,
        {
            "schemaVersion": 2,
            "manifests": [
                index.descriptor(
                    annotations={
                        "io.containerd.image.name": image.name,
                        "org.opencontainers.image.ref.name": tag,
                    }
                )
            ],
        },
    )
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            ["docker", "load"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
        )
        assert proc.stdin is not None  # noqa: S101 - stdin=PIPE above
        with tarfile.open(fileobj=proc.stdin, mode="w|") as tar:
            _add(tar, "oci-layout", json_blob("", {"imageLayoutVersion": "1.0.0"}))
            _add(tar, "index.json", top)
            for blob in image.all_blobs():
                _add(tar, "blobs/sha256/" + blob.digest.removeprefix("sha256:"), blob)
        proc.stdin.close()
        if proc.wait() != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-300:]
            raise BootstrapError(
                f"`docker load` of {image.name} exited {proc.returncode}: {tail}",
                fix="read the error, then re-run the bootstrap",
            )
    return index.digest
