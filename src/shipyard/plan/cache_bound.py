"""How big the stage cache may grow, and what goes first when it is too big.

Entries are whole stages (a result and the reports it wrote, image tarballs included). When the
cache is over its bound, the entries used longest ago go first (a hit refreshes an entry's time);
entries of stages the project no longer has go whatever the size.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

DEFAULT_MAX_BYTES = 4 * 1024**3
"""4 GiB: room for the images of a few multi-arch builds."""
MAX_ENV = "SHIPYARD_CACHE_MAX"
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
USED_FILE = "used"
"""Touched on every store and hit: the entry's last use."""


def max_bytes(value: str | None = None, *, name: str = MAX_ENV) -> int:
    """The bound from `value` or SHIPYARD_CACHE_MAX (`500M`, `4G`, bytes), else the default.

    `name`: the setting `value` came from, for the error.
    """
    text = (value if value is not None else os.environ.get(MAX_ENV, "")).strip().lower().removesuffix("b")
    if not text:
        return DEFAULT_MAX_BYTES
    unit = text[-1] if text[-1] in UNITS else ""
    try:
        return int(float(text.removesuffix(unit)) * UNITS[unit])
    except ValueError:
        raise ConfigError(
            f"{name}={value if value is not None else os.environ.get(MAX_ENV)!r} is not a size",
            fix="use bytes or a unit: 500M, 4G",
        ) from None


@dataclass(frozen=True)
class Entry:
    """One cached stage."""

    stage_id: str
    path: Path
    size: int
    used: float


def entries(root: Path) -> list[Entry]:
    """Every cached stage with its size on disk and last use, least recently used first."""
    found: list[Entry] = []
    if not root.is_dir():
        return found
    for path in sorted(p for p in root.iterdir() if p.is_dir()):
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
        marker = path / USED_FILE
        used = marker.stat().st_mtime if marker.exists() else path.stat().st_mtime
        found.append(Entry(path.name, path, size, used))
    return sorted(found, key=lambda e: e.used)


def touch(entry_dir: Path) -> None:
    """Record a use of a cached stage."""
    if entry_dir.is_dir():
        (entry_dir / USED_FILE).touch()
        now = time.time()
        os.utime(entry_dir / USED_FILE, (now, now))


def prune(root: Path, *, keep: Iterable[str] | None, limit: int) -> list[Entry]:
    """Remove entries of stages not in `keep` (when given), then the oldest until under `limit`."""
    current = entries(root)
    wanted = None if keep is None else set(keep)
    removed = [e for e in current if wanted is not None and e.stage_id not in wanted]
    left = [e for e in current if e not in removed]
    total = sum(e.size for e in left)
    for entry in left:
        if total <= limit:
            break
        removed.append(entry)
        total -= entry.size
    for entry in removed:
        shutil.rmtree(entry.path, ignore_errors=True)
    return removed
