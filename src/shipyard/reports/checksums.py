"""SHA-256 checksums of a directory's artifacts, in `sha256sum` format, and their verification."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.errors import ReportError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from pathlib import Path

CHECKSUMS_NAME = "SHA256SUMS"
"""The file name the checksums are written to, inside the directory they cover."""
_LINE = re.compile(r"^(?P<digest>[0-9a-f]{64}) [ *](?P<path>.+)$")
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ChecksumVerification:
    """The outcome of checking a directory against its checksums file."""

    mismatched: tuple[str, ...]
    """Listed files whose content changed."""
    missing: tuple[str, ...]
    """Listed files that are gone."""
    unlisted: tuple[str, ...]
    """Files present but not listed (added after the checksums were written)."""

    @property
    def ok(self) -> bool:
        """True when every listed file is present and unchanged and nothing was added."""
        return not (self.mismatched or self.missing or self.unlisted)


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _walk(top: Path) -> Iterable[Path]:
    if top.is_dir() and not top.is_symlink():
        return top.rglob("*")
    return (top,)


def artifact_paths(
    directory: Path, *, name: str = CHECKSUMS_NAME, include: Collection[str] | None = None
) -> list[str]:
    """Every regular file under `directory` (symlinks skipped) except the checksums file, relative, sorted.

    `include` limits them to those top-level entries of `directory` (files or folders, absent ones
    ignored): a run lists its own reports, not what earlier runs left beside them.
    """
    tops = [directory] if include is None else [directory / entry for entry in include]
    paths: set[str] = set()
    for top in tops:
        for path in _walk(top):
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(directory).as_posix()
            if relative == name:
                continue
            if "\n" in relative or "\\" in relative:
                raise ReportError(
                    f"cannot checksum {path}: its name contains a newline or backslash",
                    fix="rename the artifact to a plain file name",
                )
            paths.add(relative)
    return sorted(paths)


def checksums_text(
    directory: Path, *, name: str = CHECKSUMS_NAME, include: Collection[str] | None = None
) -> str:
    """The checksums file's content: `<sha256>  <relative path>` per artifact, sorted by path."""
    return "".join(
        f"{sha256_file(directory / relative)}  {relative}\n"
        for relative in artifact_paths(directory, name=name, include=include)
    )


def write_checksums(
    directory: Path, *, name: str = CHECKSUMS_NAME, include: Collection[str] | None = None
) -> Path:
    """Write the checksums of the artifacts in `directory` (or its `include` entries) to `directory/name`."""
    if not directory.is_dir():
        raise ReportError(
            f"cannot write checksums: {directory} is not a directory", fix="export the artifacts first"
        )
    target = directory / name
    target.write_text(checksums_text(directory, name=name, include=include), encoding="utf-8")
    return target


def parse_checksums(text: str, *, source: str) -> dict[str, str]:
    """Read `sha256sum` output into {relative path: hex digest}."""
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match is None:
            raise ReportError(
                f"{source} line {number} is not a sha256sum line: {line[:80]!r}",
                fix="regenerate the checksums file with shipyard or `sha256sum`",
            )
        if match["path"] in listed:
            raise ReportError(f"{source} lists {match['path']} twice", fix="regenerate the checksums file")
        listed[match["path"]] = match["digest"]
    return listed


def verify_checksums(
    directory: Path, *, name: str = CHECKSUMS_NAME, include: Collection[str] | None = None
) -> ChecksumVerification:
    """Compare `directory` (or its `include` entries, as they were written) with its checksums file."""
    checksums = directory / name
    if not checksums.is_file():
        raise ReportError(f"{checksums} does not exist", fix="write it with write_checksums first")
    listed = parse_checksums(checksums.read_text(encoding="utf-8"), source=str(checksums))
    present = set(artifact_paths(directory, name=name, include=include))
    return ChecksumVerification(
        mismatched=tuple(
            p for p in sorted(listed) if p in present and sha256_file(directory / p) != listed[p]
        ),
        missing=tuple(p for p in sorted(listed) if p not in present),
        unlisted=tuple(sorted(present - set(listed))),
    )
