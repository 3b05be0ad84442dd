"""What a kept environment takes of the bytecode its first leg wrote: only what is true of the kept files.

The harvest script runs here with this interpreter, as the leg's `python3` runs it, on a venv-like
tree and its copy: a pyc whose source the project's install replaced after the copy, whose
source was never kept, or that is cut short is left out; timestamp and hash-based ones of the
kept files go in.
"""

from __future__ import annotations

import importlib.util
import py_compile
import shutil
import subprocess
import sys
import time
from pathlib import Path

from shipyard.docker.environments import HARVEST_SCRIPT


def _compile(source: Path, *, hashed: bool = False) -> Path:
    cfile = Path(importlib.util.cache_from_source(str(source)))
    mode = py_compile.PycInvalidationMode.CHECKED_HASH if hashed else py_compile.PycInvalidationMode.TIMESTAMP
    py_compile.compile(str(source), cfile=str(cfile), invalidation_mode=mode, doraise=True)
    return cfile


def _harvest(keep: Path, *dirs: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", HARVEST_SCRIPT, str(keep), *map(str, dirs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


def _kept(keep: Path, pyc: Path) -> Path:
    return Path(str(keep) + "/root" + str(pyc))


def test_only_bytecode_true_of_the_kept_files_is_kept(tmp_path: Path) -> None:
    live = tmp_path / "venv"
    package = live / "pkg"
    package.mkdir(parents=True)
    for name in ("__init__", "mod", "hashed", "changed", "short"):
        (package / f"{name}.py").write_text(f"NAME = {name!r}\n")
    keep = tmp_path / "keep"
    shutil.copytree(live, Path(str(keep) + "/root" + str(live)), copy_function=shutil.copy2)
    # after the copy: the project's install adds a module and rewrites one (same text, new mtime)
    (package / "project.py").write_text("NAME = 'project'\n")
    time.sleep(0.01)
    (package / "changed.py").write_text("NAME = 'changed'\n")
    compiled = {name: _compile(package / f"{name}.py") for name in ("__init__", "mod", "changed", "project")}
    compiled["hashed"] = _compile(package / "hashed.py", hashed=True)
    short = Path(importlib.util.cache_from_source(str(package / "short.py")))
    short.write_bytes(b"\x00\x01\x02")

    assert _harvest(keep, live) == 3
    for name in ("__init__", "mod", "hashed"):
        assert _kept(keep, compiled[name]).read_bytes() == compiled[name].read_bytes(), name
    for pyc in (compiled["changed"], compiled["project"], short):
        assert not _kept(keep, pyc).exists(), pyc.name


def test_a_hash_based_pyc_of_other_text_and_a_missing_tree_keep_nothing(tmp_path: Path) -> None:
    live = tmp_path / "venv"
    live.mkdir()
    source = live / "mod.py"
    source.write_text("A = 1\n")
    keep = tmp_path / "keep"
    shutil.copytree(live, Path(str(keep) + "/root" + str(live)), copy_function=shutil.copy2)
    pyc = _compile(source, hashed=True)
    other = tmp_path / "other.py"
    other.write_text("A = 2\n")
    pyc.write_bytes(_compile(other, hashed=True).read_bytes())  # the hash of another text
    assert _harvest(keep, live, tmp_path / "absent") == 0
    assert not _kept(keep, pyc).exists()
