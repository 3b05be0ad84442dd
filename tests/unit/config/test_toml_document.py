"""TOML documents parsed once per content, never a stale one."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import pytest

from shipyard.config import toml_document as module
from shipyard.config.toml_document import toml_document

if TYPE_CHECKING:
    from pathlib import Path


RACY = 0.2


@pytest.fixture(autouse=True)
def short_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "RACY_SECONDS", RACY)


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_unchanged_file_is_parsed_once(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "a"\n', encoding="utf-8")
    _age(path, 60)
    # ctime is the utime call's own moment: wait until it too is older than the racy window
    time.sleep(RACY + 0.1)
    first = toml_document(path)
    assert first == {"project": {"name": "a"}}
    assert toml_document(path) is first


def test_a_rewrite_of_the_same_size_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "a"\n', encoding="utf-8")
    _age(path, 60)
    time.sleep(RACY + 0.1)
    assert toml_document(path) == {"project": {"name": "a"}}
    path.write_text('[project]\nname = "b"\n', encoding="utf-8")
    _age(path, 60)  # the same size and an mtime as old: ctime and the racy rule still tell
    assert toml_document(path) == {"project": {"name": "b"}}


def test_a_file_written_just_now_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "a"\n', encoding="utf-8")
    first = toml_document(path)
    assert toml_document(path) == first
    assert toml_document(path) is not first


def test_missing_unreadable_and_invalid_files_read_as_empty(tmp_path: Path) -> None:
    assert toml_document(tmp_path / "missing.toml") == {}
    bad = tmp_path / "bad.toml"
    bad.write_text("[project\nname = ", encoding="utf-8")
    assert toml_document(bad) == {}
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert toml_document(binary) == {}
