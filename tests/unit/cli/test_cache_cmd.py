"""`shipyard cache prune` on a real project directory, and .shipyard/ out of `git status`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


NO_ENGINE = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
"""Unit tests never touch the engine: its environments are pruned in tests/engine/test_environments.py."""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=NO_ENGINE,
    )


def library(tmp_path: Path) -> Path:
    project = tmp_path / "library"
    shutil.copytree(EXAMPLES / "library", project, ignore=shutil.ignore_patterns(".shipyard", "__pycache__"))
    for argv in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(argv, cwd=project, check=True)
    return project


def cached(project: Path, stage: str) -> None:
    (project / ".shipyard" / "cache" / stage / "files").mkdir(parents=True)
    (project / ".shipyard" / "cache" / stage / "result.json").write_text("{}")


def test_prune_removes_stages_the_project_no_longer_has_and_keeps_the_others(tmp_path: Path) -> None:
    project = library(tmp_path)
    cached(project, "lint")
    cached(project, "test-3.9")
    done = cli("cache", "prune", "--source", str(project))
    assert done.returncode == 0, done.stderr
    assert "removed test-3.9" in done.stdout
    assert (project / ".shipyard" / "cache" / "lint").is_dir()
    assert not (project / ".shipyard" / "cache" / "test-3.9").exists()


def test_prune_all_empties_the_cache(tmp_path: Path) -> None:
    project = library(tmp_path)
    cached(project, "lint")
    done = cli("cache", "prune", "--all", "--source", str(project))
    assert done.returncode == 0, done.stderr
    assert not list((project / ".shipyard" / "cache").iterdir())
    assert "1 stage(s) removed\n" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("environments: not pruned, no Docker Engine")


def test_the_state_directory_never_shows_in_git_status(tmp_path: Path) -> None:
    project = library(tmp_path)
    assert cli("plan", "--source", str(project)).returncode == 0
    assert (project / ".shipyard" / ".gitignore").is_file()
    (project / ".shipyard" / "out").mkdir(exist_ok=True)
    (project / ".shipyard" / "out" / "summary.json").write_text("{}")
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ".shipyard" not in status.stdout
