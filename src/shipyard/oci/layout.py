"""Read an image tarball as `docker save` writes it (docker 25+): an OCI image layout in a tar.

`index.json` points at the saved image; with the containerd image store that is an index which
wraps the platform's image manifest and, from buildx, an attestation manifest (provenance). The
image manifest for the wanted platform is picked; attestation manifests are skipped.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from shipyard.errors import PublishError
from shipyard.oci.index import IndexEntry, Platform, digest_of
from shipyard.oci.media import ATTESTATION_MANIFEST, INDEX_TYPES, MANIFEST_TYPES, REFERENCE_TYPE

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType
    from typing import IO

    from typing_extensions import Self

MAX_DEPTH = 4
"""How deep indexes may nest inside the layout before the tarball is considered malformed."""


@dataclass(frozen=True, slots=True)
class Blob:
    """A blob an image manifest references (its config or a layer)."""

    media_type: str
    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class PlatformImage:
    """One platform's image: its manifest exactly as saved (so its digest is kept) and its blobs."""

    platform: Platform
    manifest: bytes
    media_type: str
    digest: str
    config: Blob
    layers: tuple[Blob, ...]

    @property
    def blobs(self) -> tuple[Blob, ...]:
        """Config first, then the layers."""
        return (self.config, *self.layers)

    def entry(self) -> IndexEntry:
        """How an image index lists this image."""
        return IndexEntry(
            media_type=self.media_type, digest=self.digest, size=len(self.manifest), platform=self.platform
        )


class ImageArchive:
    """An image tarball opened for random access to its blobs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._tar = tarfile.open(path, "r:")  # noqa: SIM115 - closed by close()/__exit__
        except (OSError, tarfile.TarError) as exc:
            raise PublishError(
                f"cannot read image tarball {path}: {exc}", fix="re-run the build stage"
            ) from exc
        self._names = set(self._tar.getnames())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the tarball."""
        self._tar.close()

    def has(self, digest: str) -> bool:
        """Whether the tarball holds the blob."""
        return _blob_path(digest) in self._names

    def open(self, digest: str) -> IO[bytes]:
        """A readable stream of one blob."""
        name = _blob_path(digest)
        handle = self._tar.extractfile(name) if name in self._names else None
        if handle is None:
            raise PublishError(
                f"{self.path} has no blob {digest}",
                fix="re-run the build stage (the tarball is incomplete)",
            )
        return handle

    def read(self, digest: str) -> bytes:
        """A small blob (a manifest or config), checked against its digest."""
        with self.open(digest) as handle:
            data = handle.read()
        if digest_of(data) != digest:
            raise PublishError(
                f"{self.path}: blob {digest} does not match its digest", fix="re-run the build stage"
            )
        return data

    def _json(self, member: str) -> dict[str, Any]:
        handle = self._tar.extractfile(member) if member in self._names else None
        if handle is None:
            raise PublishError(
                f"{self.path} has no {member}: not an OCI image layout",
                fix="save images with docker 25 or newer (its `docker save` writes an OCI layout)",
            )
        with handle:
            return _object(handle.read(), f"{self.path}:{member}")

    def image(self, platform: Platform | None = None) -> PlatformImage:
        """The image manifest for `platform` (or the only image) with its config and layers."""
        candidates = self._manifests(self._json("index.json"), depth=0)
        images = [self._platform_image(d) for d in candidates]
        if platform is not None:
            images = [i for i in images if platform.matches(i.platform)]
        if len(images) != 1:
            found = ", ".join(str(i.platform) for i in (self._platform_image(d) for d in candidates))
            wanted = f"for {platform}" if platform else "(exactly one)"
            raise PublishError(
                f"{self.path} has {len(images)} image(s) {wanted}; it holds: {found or 'none'}",
                fix="re-run the build stage for that platform",
            )
        return images[0]

    def _manifests(self, document: dict[str, Any], depth: int) -> list[dict[str, Any]]:
        if depth > MAX_DEPTH:
            raise PublishError(f"{self.path}: indexes nest too deeply", fix="re-run the build stage")
        found: list[dict[str, Any]] = []
        for descriptor in cast("list[dict[str, Any]]", document.get("manifests", [])):
            annotations = cast("dict[str, str]", descriptor.get("annotations") or {})
            if annotations.get(REFERENCE_TYPE) == ATTESTATION_MANIFEST:
                continue
            media_type = str(descriptor.get("mediaType", ""))
            if media_type in INDEX_TYPES:
                nested = self.read(str(descriptor["digest"]))
                found += self._manifests(_object(nested, f"{self.path}:{descriptor['digest']}"), depth + 1)
            elif media_type in MANIFEST_TYPES:
                found.append(descriptor)
        return found

    def _platform_image(self, descriptor: dict[str, Any]) -> PlatformImage:
        digest = str(descriptor["digest"])
        manifest = self.read(digest)
        document = _object(manifest, f"{self.path}:{digest}")
        config = _blob(cast("dict[str, Any]", document.get("config") or {}))
        layers = tuple(_blob(layer) for layer in cast("list[dict[str, Any]]", document.get("layers", [])))
        image_config = _object(self.read(config.digest), f"{self.path}:{config.digest}")
        return PlatformImage(
            platform=Platform.from_json(image_config),
            manifest=manifest,
            media_type=str(document.get("mediaType") or descriptor.get("mediaType")),
            digest=digest,
            config=config,
            layers=layers,
        )


def _blob_path(digest: str) -> str:
    algorithm, _, hex_digest = digest.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"


def _blob(descriptor: dict[str, Any]) -> Blob:
    try:
        return Blob(
            media_type=str(descriptor["mediaType"]),
            digest=str(descriptor["digest"]),
            size=int(descriptor["size"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PublishError(
            f"a manifest has a malformed descriptor: {exc}", fix="re-run the build stage"
        ) from exc


def _object(data: bytes, where: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise PublishError(f"{where} is not JSON: {exc}", fix="re-run the build stage") from exc
    if not isinstance(value, dict):
        raise PublishError(f"{where} is not a JSON object", fix="re-run the build stage")
    return cast("dict[str, Any]", value)
