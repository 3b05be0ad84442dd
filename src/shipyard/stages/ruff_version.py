"""Which ruff a project lints with: the version it pins itself, and where that pin was read.

A project whose own ruff passes must pass shipyard's lint: ruff's formatter changes between
versions (0.16 formats Markdown code blocks, 0.12 does not), so the lint stage runs the project's
pinned ruff when it pins one. Read, in this order: uv.lock's `ruff` package, a requirements file's
`ruff==X`, `.pre-commit-config.yaml`'s ruff-pre-commit `rev: vX`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from shipyard.config.requirement_files import REQUIREMENT_FILES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from pathlib import Path

_REQUIREMENT = re.compile(r"^\s*ruff\s*==\s*(?P<version>\d[\w.]*)\s*(?:[;#].*)?$", re.MULTILINE)
_PRE_COMMIT = re.compile(
    r"repo:\s*['\"]?https://github\.com/(?:astral-sh|charliermarsh)/ruff-pre-commit['\"]?\s*\n"
    r"\s*rev:\s*['\"]?v?(?P<version>\d[\w.]*)['\"]?"
)


@dataclass(frozen=True)
class RuffPin:
    """A ruff version and the file it was read from."""

    version: str
    source: str
    """The file it was read from, relative to the project root (`uv.lock`, `requirements-dev.txt`...)."""


_LOCKED_RUFF = re.compile(
    r'^\[\[package\]\]\nname = "ruff"\nversion = "(?P<version>[^"\n]+)"\n', re.MULTILINE
)
"""uv.lock's own layout of a package entry: a full TOML parse of a large lock costs 0.1 s a call."""
_NAMES_RUFF = re.compile(r'^name\s*=\s*["\']ruff["\']', re.MULTILINE)


def _from_lock(root: Path) -> RuffPin | None:
    lock = root / "uv.lock"
    try:
        text = lock.read_text(encoding="utf-8") if lock.is_file() else ""
    except UnicodeDecodeError:
        text = ""
    found = _LOCKED_RUFF.search(text)
    if found:
        return RuffPin(version=found.group("version"), source="uv.lock")
    if not _NAMES_RUFF.search(text):  # no lock, or no package named ruff in any layout
        return None
    try:  # a package named ruff, laid out otherwise: what TOML says
        packages = cast("list[dict[str, object]]", tomllib.loads(text).get("package") or [])
    except tomllib.TOMLDecodeError:
        packages = []
    for package in packages:
        if package.get("name") == "ruff" and isinstance(package.get("version"), str):
            return RuffPin(version=str(package["version"]), source="uv.lock")
    return None


def _from_requirements(root: Path) -> RuffPin | None:
    seen: set[Path] = set()
    for pattern in REQUIREMENT_FILES:
        for path in sorted(root.glob(pattern)):
            if path in seen or not path.is_file():
                continue
            seen.add(path)
            found = _REQUIREMENT.search(path.read_text(encoding="utf-8", errors="replace"))
            if found:
                return RuffPin(version=found.group("version"), source=str(path.relative_to(root)))
    return None


def _from_pre_commit(root: Path) -> RuffPin | None:
    config = root / ".pre-commit-config.yaml"
    if not config.is_file():
        return None
    found = _PRE_COMMIT.search(config.read_text(encoding="utf-8", errors="replace"))
    return RuffPin(version=found.group("version"), source=".pre-commit-config.yaml") if found else None


def project_ruff(root: Path, lock_root: Path | None = None) -> RuffPin | None:
    """The ruff the project at `root` pins, or None when it pins none.

    `lock_root`: where its uv.lock is, when not in `root` (a workspace member's is the workspace's).
    """
    pin = _from_lock(lock_root or root)
    for find in (_from_requirements, _from_pre_commit):
        pin = pin or find(root)
    return pin
