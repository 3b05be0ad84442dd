"""Shared fixtures for the engine-free unit tests: tmp copies of the examples, tmp projects, real git."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

EXAMPLES = Path(__file__).parents[2] / "examples"

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Shipyard Test",
    "GIT_AUTHOR_EMAIL": "test@shipyard.invalid",
    "GIT_COMMITTER_NAME": "Shipyard Test",
    "GIT_COMMITTER_EMAIL": "test@shipyard.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(root), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **_GIT_ENV},
    )
    return proc.stdout.strip()


@pytest.fixture
def git(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Real git in a directory (`git(root, *args)`) with a fixed identity and no user configuration.

    GITHUB_REF is cleared so that the checkout's own ref is what shipyard reads.
    """
    monkeypatch.delenv("GITHUB_REF", raising=False)
    return _git


@pytest.fixture
def git_init(git: Callable[..., str]) -> Callable[[Path, str], str]:
    """`git_init(root, branch)`: a repository with everything committed on `branch`; returns the sha."""

    def init(root: Path, branch: str) -> str:
        git(root, "init", "--quiet", f"--initial-branch={branch}")
        git(root, "add", "-A")
        git(root, "commit", "--quiet", "-m", "initial")
        return git(root, "rev-parse", "HEAD")

    return init


@pytest.fixture
def copy_example(tmp_path: Path) -> Callable[[str], Path]:
    """Copy an example project into tmp_path (without local state), so a test may change it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(
            EXAMPLES / name,
            target,
            ignore=shutil.ignore_patterns(".shipyard", ".venv", "__pycache__", "*.pyc", ".pytest_cache"),
        )
        return target

    return copy


@pytest.fixture
def write_project(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write a project (relative path → text) into a fresh directory under tmp_path."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "proj"
        root.mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return write
