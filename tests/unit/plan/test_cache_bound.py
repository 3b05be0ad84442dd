"""The stage cache's bound: stale stages go, then the least recently used over the limit."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import ConfigError
from shipyard.plan.cache_bound import DEFAULT_MAX_BYTES, USED_FILE, entries, max_bytes, prune

if TYPE_CHECKING:
    from pathlib import Path


def entry(root: Path, stage: str, size: int, used: float) -> None:
    files = root / stage / "files"
    files.mkdir(parents=True)
    (files / "blob").write_bytes(b"x" * size)
    marker = root / stage / USED_FILE
    marker.touch()
    os.utime(marker, (used, used))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", DEFAULT_MAX_BYTES),
        ("1024", 1024),
        ("500M", 500 * 1024**2),
        ("4g", 4 * 1024**3),
        ("1.5GB", int(1.5 * 1024**3)),
    ],
)
def test_sizes_read_with_units(text: str, expected: int) -> None:
    assert max_bytes(text) == expected


@pytest.mark.parametrize("text", ["lots", "4X", "-"])
def test_a_size_that_is_no_size_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match=r"SHIPYARD_CACHE_MAX=.* is not a size"):
        max_bytes(text)


def test_stale_stages_go_then_the_least_recently_used_until_under_the_bound(tmp_path: Path) -> None:
    entry(tmp_path, "lint", 100, used=3000)
    entry(tmp_path, "test-3.12", 400, used=1000)
    entry(tmp_path, "test-3.9", 100, used=5000)  # dropped from the matrix
    entry(tmp_path, "build-linux-amd64", 500, used=2000)
    removed = prune(tmp_path, keep={"lint", "test-3.12", "build-linux-amd64"}, limit=700)
    assert [e.stage_id for e in removed] == ["test-3.9", "test-3.12"]
    assert [e.stage_id for e in entries(tmp_path)] == ["build-linux-amd64", "lint"]


def test_within_the_bound_and_all_known_nothing_goes(tmp_path: Path) -> None:
    entry(tmp_path, "lint", 100, used=1)
    assert prune(tmp_path, keep={"lint"}, limit=10_000) == []
    assert prune(tmp_path / "missing", keep=None, limit=0) == []
