"""The legacy upload API's form for one distribution: its core metadata fields, digest and content.

The field names are those Warehouse's upload endpoint (forklift) reads and twine sends: the core
metadata keys in snake case (a few renamed: `platform`, `supported_platform`, `license_file`),
multi-valued fields repeated, `project_urls` as `label, url`, `keywords` comma-joined, plus
`:action=file_upload`, `protocol_version=1`, `filetype`, `pyversion`, `sha256_digest` and the
file as `content`.
"""

from __future__ import annotations

import secrets
import tarfile
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from packaging.metadata import parse_email
from packaging.utils import parse_wheel_filename

from shipyard.errors import PublishError
from shipyard.reports.checksums import sha256_file

if TYPE_CHECKING:
    from pathlib import Path

RENAMED = {
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "license_files": "license_file",
}
"""Core metadata keys (packaging's RawMetadata) that the upload form names differently."""
UNUSED = frozenset({"requires", "provides", "obsoletes"})
"""Metadata 1.1 fields no index reads any more (twine still sends them when present; none do)."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """A wheel or sdist to upload, with the form fields that describe it."""

    path: Path
    name: str
    version: str
    fields: tuple[tuple[str, str], ...]
    """Every form field but `content`, in order."""


def read_distribution(path: Path) -> Distribution:
    """The upload form of a wheel or sdist, from the core metadata inside it."""
    text = _metadata_text(path)
    raw, unparsed = parse_email(text)
    if "name" not in raw or "version" not in raw:
        raise PublishError(
            f"{path.name} has no Name or Version in its metadata", fix="re-run the package stage"
        )
    fields: list[tuple[str, str]] = [(":action", "file_upload"), ("protocol_version", "1")]
    for key, value in cast("dict[str, object]", raw).items():
        if key in UNUSED:
            continue
        fields += _form_values(RENAMED.get(key, key), value)
    wheel = path.name.endswith(".whl")
    pyversion = "source"
    if wheel:
        tags = parse_wheel_filename(path.name)[3]
        pyversion = ".".join(sorted({t.interpreter for t in tags}))
    fields += [
        ("filetype", "bdist_wheel" if wheel else "sdist"),
        ("pyversion", pyversion),
        ("sha256_digest", sha256_file(path)),
    ]
    del unparsed  # fields this packaging does not know are not sent (the index could not read them)
    return Distribution(path=path, name=str(raw["name"]), version=str(raw["version"]), fields=tuple(fields))


def _form_values(key: str, value: object) -> list[tuple[str, str]]:
    if isinstance(value, dict):  # project_urls
        urls = cast("dict[str, str]", value)
        return [(key, f"{label}, {url}") for label, url in urls.items()]
    if isinstance(value, list):
        items = [str(v) for v in cast("list[object]", value)]
        return [(key, ", ".join(items))] if key == "keywords" else [(key, v) for v in items]
    return [(key, str(value))]


def _metadata_text(path: Path) -> str:
    try:
        if path.name.endswith(".whl"):
            with zipfile.ZipFile(path) as archive:
                name = next(
                    n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
                )
                return archive.read(name).decode("utf-8")
        with tarfile.open(path, mode="r:gz") as archive:
            member = next(
                m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")
            )
            handle = archive.extractfile(member)
            return handle.read().decode("utf-8") if handle else ""
    except (
        StopIteration,
        OSError,
        zipfile.BadZipFile,
        tarfile.TarError,
        EOFError,
        UnicodeDecodeError,
    ) as exc:
        raise PublishError(
            f"cannot read the core metadata of {path.name}: {exc or 'no METADATA/PKG-INFO'}",
            fix="re-run the package stage",
        ) from exc


def multipart(fields: tuple[tuple[str, str], ...], filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with the fields and the file as `content`, and its Content-Type."""
    boundary = f"shipyard-{secrets.token_hex(16)}"
    parts: list[bytes] = []
    for key, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(key)}"\r\n\r\n'.encode())
        parts.append(value.encode("utf-8") + b"\r\n")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{_quote(filename)}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
    )
    parts += [content, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
