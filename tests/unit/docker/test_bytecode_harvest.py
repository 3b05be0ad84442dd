"""What a kept environment holds: one tar of the setup's directories, and of the bytecode its
first leg wrote only what is true of the kept files.

The executor's own scripts run here with this host's sh, tar and interpreter, as the leg's run
them, on a venv-like tree: a pyc whose source the project's install replaced after the keep,
whose source was never kept, or that is cut short is left out; timestamp and hash-based ones of
the kept files go in; extracted again, the tree and that bytecode come back where they were.
"""

from __future__ import annotations

import importlib.util
import py_compile
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from shipyard.docker.environments import (
    BYTECODE_TAR,
    ENV_TAR,
    HARVEST_SCRIPT,
    KEEP_SCRIPT,
    RESTORE_SCRIPT,
    SOURCES,
    SOURCES_SCRIPT,
)


def _compile(source: Path, *, hashed: bool = False) -> Path:
    cfile = Path(importlib.util.cache_from_source(str(source)))
    mode = py_compile.PycInvalidationMode.CHECKED_HASH if hashed else py_compile.PycInvalidationMode.TIMESTAMP
    py_compile.compile(str(source), cfile=str(cfile), invalidation_mode=mode, doraise=True)
    return cfile


def _keep(keep: Path, *dirs: Path, sources: str = SOURCES_SCRIPT) -> int:
    keep.mkdir(exist_ok=True)
    argv = ["sh", "-c", KEEP_SCRIPT, "keep", str(keep), sources, *map(str, dirs)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0])


def _harvest(keep: Path, *dirs: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HARVEST_SCRIPT, str(keep), *map(str, dirs)],
        capture_output=True,
        text=True,
        check=True,
    )
    count, size = map(int, done.stdout.split())
    assert size == ((keep / BYTECODE_TAR).stat().st_size if count else 0)
    return count


def _members(archive: Path) -> set[str]:
    with tarfile.open(archive) as tar:
        return {"/" + m.name for m in tar.getmembers() if m.isfile()}


def _venv(tmp_path: Path, *names: str) -> Path:
    live = tmp_path / "venv"
    (live / "pkg").mkdir(parents=True)
    for name in names:
        (live / "pkg" / f"{name}.py").write_text(f"NAME = {name!r}\n")
    return live


def test_only_bytecode_true_of_the_kept_files_is_kept(tmp_path: Path) -> None:
    live = _venv(tmp_path, "__init__", "mod", "hashed", "changed", "short")
    package = live / "pkg"
    keep = tmp_path / "keep"
    assert _keep(keep, live, tmp_path / "absent") >= 0  # a directory the setup did not write is left out
    assert _members(keep / ENV_TAR) == {str(p) for p in package.iterdir()}
    # after the keep: the project's install adds a module and rewrites one (same text, new mtime)
    (package / "project.py").write_text("NAME = 'project'\n")
    time.sleep(0.01)
    (package / "changed.py").write_text("NAME = 'changed'\n")
    compiled = {name: _compile(package / f"{name}.py") for name in ("__init__", "mod", "changed", "project")}
    compiled["hashed"] = _compile(package / "hashed.py", hashed=True)
    short = Path(importlib.util.cache_from_source(str(package / "short.py")))
    short.write_bytes(b"\x00\x01\x02")

    assert _harvest(keep, live) == 3
    assert _members(keep / BYTECODE_TAR) == {str(compiled[name]) for name in ("__init__", "mod", "hashed")}


def test_a_hash_based_pyc_of_other_text_a_missing_tree_and_no_sources_keep_nothing(tmp_path: Path) -> None:
    live = _venv(tmp_path, "mod")
    source = live / "pkg" / "mod.py"
    keep = tmp_path / "keep"
    _keep(keep, live)
    pyc = _compile(source, hashed=True)
    other = tmp_path / "other.py"
    other.write_text("A = 2\n")
    pyc.write_bytes(_compile(other, hashed=True).read_bytes())  # the hash of another text
    assert _harvest(keep, live, tmp_path / "absent") == 0
    assert not (keep / BYTECODE_TAR).exists()
    # kept without the sources' list (no python3 in the image, or no bytecode wanted): nothing is taken
    bare = tmp_path / "bare"
    _keep(bare, live, sources="")
    assert not (bare / SOURCES).exists()
    _compile(source)
    assert _harvest(bare, live) == 0
    assert _harvest(keep, live) == 1  # the same pyc, against the list


def test_extracted_again_the_tree_and_its_bytecode_are_back(tmp_path: Path) -> None:
    live = _venv(tmp_path, "mod")
    (live / "bin").mkdir()
    (live / "bin" / "python").symlink_to(sys.executable)
    keep = tmp_path / "keep"
    kilobytes = _keep(keep, live)
    assert kilobytes * 1024 >= (keep / ENV_TAR).stat().st_size > 0
    pyc = _compile(live / "pkg" / "mod.py")
    assert _harvest(keep, live) == 1
    shutil.rmtree(live)
    subprocess.run(["sh", "-c", RESTORE_SCRIPT, "restore", str(keep)], check=True)
    assert (live / "pkg" / "mod.py").read_text() == "NAME = 'mod'\n"
    assert (live / "bin" / "python").readlink() == Path(sys.executable)
    assert pyc.is_file()
    # the bytecode is what Python accepts for the extracted source: its mtime (seconds) and size
    header, restored = pyc.read_bytes()[8:16], (live / "pkg" / "mod.py").stat()
    assert header == (int(restored.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + restored.st_size.to_bytes(
        4, "little"
    )
