"""Tar streams in and out of containers: project files in, reports out."""

from __future__ import annotations

import io
import tarfile
import tempfile
from typing import IO, TYPE_CHECKING

from shipyard.errors import StageError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

SPOOL_BYTES = 64 << 20


def pack_files(root: Path, files: Iterable[str], prefix: str = "") -> IO[bytes]:
    """A tar of `files` (relative to `root`), owned by root, ready for put_archive."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open
    with tarfile.open(fileobj=spool, mode="w") as tar:
        for rel in files:
            info = tar.gettarinfo(str(root / rel), arcname=f"{prefix}{rel}")
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isreg():
                with (root / rel).open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    spool.seek(0)
    return spool


def pack_bytes(name: str, data: bytes, mode: int = 0o755) -> bytes:
    """A tar holding one file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = mode
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def pack_dir(name: str, mode: int = 0o777) -> bytes:
    """A tar holding one empty directory (writable by any user of the container by default)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.type = tarfile.DIRTYPE
        info.mode = mode
        tar.addfile(info)
    return buffer.getvalue()


def first_file(chunks: Iterator[bytes], *, what: str) -> bytes:
    """The content of the single regular file of a get_archive stream."""
    with tarfile.open(fileobj=_Stream(chunks), mode="r|") as tar:
        for member in tar:
            if member.isreg():
                handle = tar.extractfile(member)
                if handle is not None:
                    return handle.read()
    raise StageError(
        f"{what}: the archive held no file", fix="check the tool image's binary path in [tool.shipyard.tools]"
    )


def unpack(chunks: Iterator[bytes], dest: Path, *, strip: str) -> list[str]:
    """Extract a get_archive stream below `dest`, dropping the leading `strip/` directory.

    Refuses members that would land outside `dest` (absolute paths, `..`, links pointing out).
    """
    written: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=_Stream(chunks), mode="r|") as tar:
        for member in tar:
            name = member.name
            if name == strip:
                continue
            name = name.removeprefix(f"{strip}/")
            target = (dest / name).resolve()
            if (
                not target.is_relative_to(dest.resolve())
                or member.issym()
                or member.islnk()
                or member.isdev()
            ):
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if not member.isreg():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            handle = tar.extractfile(member)
            if handle is None:
                continue
            with target.open("wb") as out:
                while block := handle.read(1 << 20):
                    out.write(block)
            written.append(name)
    return written


class _Stream(io.RawIOBase):
    """A file-like view of an iterator of byte chunks (what the docker SDK streams)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        size = min(len(b), len(self._buffer))
        b[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def stream_file(path: Path, name: str, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A tar holding one (large) file, as a stream: nothing is copied to disk first."""
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mode = 0o644
    yield info.tobuf(format=tarfile.PAX_FORMAT)
    with path.open("rb") as handle:
        while data := handle.read(chunk):
            yield data
    yield b"\0" * (-info.size % tarfile.BLOCKSIZE)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)
