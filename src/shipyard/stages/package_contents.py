"""What the built distributions hold, read from the files (no tool): tags, version, members.

Pure functions over the wheel (a zip) and the sdist (a tar.gz) the package stage wrote; the
package stage's evaluate judges them: the wheel holds the sdist's library code (tests, docs,
examples and build scripts aside), a pure wheel is tagged py3-none-any, the version matches a
release tag.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from typing import TYPE_CHECKING

from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from shipyard.errors import ReportError

if TYPE_CHECKING:
    from pathlib import Path

NOT_LIBRARY = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "benchmarks", "scripts"})
"""Folders of an sdist whose files a wheel is not expected to install."""
SOURCE_SUFFIXES = (".py", ".pyi")
PURE_TAG = "py3-none-any"


@dataclass(frozen=True, slots=True)
class WheelInfo:
    """A wheel's name, version, tags and members."""

    name: str
    version: str
    tags: tuple[str, ...]
    """Every `python-abi-platform` tag it is compatible with (`py2.py3-none-any` is two)."""
    pure: bool
    """Root-Is-Purelib from its WHEEL file."""
    files: tuple[str, ...]
    """Its members, installed paths (metadata included)."""

    @property
    def top_level(self) -> tuple[str, ...]:
        """The first path components it installs, metadata aside (`semverlite`, `mod.py`)."""
        firsts = {f.split("/", 1)[0] for f in self.files}
        return tuple(sorted(n for n in firsts if not n.endswith((".dist-info", ".data"))))


def read_wheel(path: Path) -> WheelInfo:
    """Read a wheel; a file that is no wheel is a ReportError naming it."""
    try:
        name, version, _, tags = parse_wheel_filename(path.name)
        with zipfile.ZipFile(path) as archive:
            files = tuple(archive.namelist())
            wheel_file = next(
                (f for f in files if f.endswith(".dist-info/WHEEL") and f.count("/") == 1), None
            )
            text = archive.read(wheel_file).decode("utf-8") if wheel_file else ""
    except (InvalidWheelFilename, InvalidVersion, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ReportError(f"{path} is not a readable wheel: {exc}", fix="re-run the package stage") from exc
    headers = HeaderParser().parsestr(text)
    return WheelInfo(
        name=str(name),
        version=str(version),
        tags=tuple(sorted(str(t) for t in tags)),
        pure=str(headers.get("Root-Is-Purelib", "")).strip().lower() == "true",
        files=files,
    )


def read_sdist(path: Path) -> tuple[str, ...]:
    """The files of an sdist, relative to its top folder (`name-version/`)."""
    import tarfile  # noqa: PLC0415 - only a package stage that ran reads an sdist

    try:
        with tarfile.open(path, mode="r:gz") as archive:
            names = [m.name for m in archive.getmembers() if m.isfile()]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ReportError(f"{path} is not a readable sdist: {exc}", fix="re-run the package stage") from exc
    return tuple(sorted(n.split("/", 1)[1] for n in names if "/" in n))


def _library_source(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if not name.endswith(SOURCE_SUFFIXES) or len(parts) == 1:  # setup.py, noxfile.py, conftest.py
        return False
    if any(part in NOT_LIBRARY for part in parts[:-1]):
        return False
    return not (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def missing_from_wheel(sdist: tuple[str, ...], wheel: WheelInfo) -> tuple[str, ...]:
    """The sdist's library sources the wheel does not install (tests, docs and examples aside).

    A source belongs to the wheel's package when one of its folders is a top-level name of the
    wheel (`src/pkg/mod.py` → `pkg/mod.py`); a package under `src/` that the wheel lacks entirely
    is missing too.
    """
    installed = set(wheel.files)
    tops = set(wheel.top_level)
    missing: list[str] = []
    for path in sdist:
        if not _library_source(path):
            continue
        parts = path.split("/")
        start = next((i for i, part in enumerate(parts[:-1]) if part in tops), None)
        if start is not None:
            if "/".join(parts[start:]) not in installed:
                missing.append(path)
        elif parts[0] == "src":
            missing.append(path)
    return tuple(missing)


def bad_pure_tags(wheel: WheelInfo) -> str | None:
    """Why a pure wheel's tags are wrong (it must be installable on every Python 3), or None."""
    if not wheel.pure or PURE_TAG in wheel.tags:
        return None
    return f"pure wheel tagged {'.'.join(wheel.tags)}, not {PURE_TAG}"


def tag_version(tag: str) -> Version | None:
    """The version a release tag names (`v1.4.0` and `1.4.0` alike), or None for another tag."""
    try:
        return Version(tag.removeprefix("v"))
    except InvalidVersion:
        return None
