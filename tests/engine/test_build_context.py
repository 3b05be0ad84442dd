"""The build reads exactly the files its digest covers: a git-ignored file never reaches buildx.

Before, the Docker executor sent the project directory as the build context, so a git-ignored
file a Dockerfile COPYs was built into the image while no digest covered it: an edit of it was a
stale cache hit. Now the context holds the stage's selected files only (as on Dagger).
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_init, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine
BUILD = "build-linux-amd64"
PYPROJECT = """[project]
name = "context-probe"
version = "0.1.0"
requires-python = ">=3.11"

[tool.shipyard]
python = ["3.12"]

[tool.shipyard.image]
name = "shipyard-tests/context-probe"
platforms = ["linux/amd64"]
"""
DOCKERFILE = """FROM debian:bookworm-slim
COPY app.txt /srv/app.txt
COPY local.env /srv/local.env
USER 65532
"""


def project(tmp_path: Path) -> Path:
    root = tmp_path / "probe"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "app.txt").write_text("tracked\n")
    (root / "local.env").write_text("TOKEN=only-on-this-laptop\n")
    (root / ".gitignore").write_text("local.env\n")
    return git_init(root)


def test_a_git_ignored_file_the_dockerfile_copies_is_not_in_the_context(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = shipyard("run", "--source", str(root), BUILD, "--platform", "linux/amd64", "--no-cache")
    stage = summary(root)[BUILD]
    assert done.returncode == 1, done.stdout[-2000:]
    assert stage["status"] == "error", stage
    assert "local.env" in str(stage["summary"]), stage["summary"]


def test_once_tracked_the_file_is_built_and_an_edit_of_it_rebuilds(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".gitignore").write_text("")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    first = shipyard("run", "--source", str(root), BUILD, "--platform", "linux/amd64")
    assert first.returncode == 0, first.stdout[-2000:]
    (root / "local.env").write_text("TOKEN=changed\n")
    again = shipyard("run", "--source", str(root), BUILD, "--platform", "linux/amd64")
    assert again.returncode == 0, again.stdout[-2000:]
    assert summary(root)[BUILD]["cached"] is False, "an edit of a file the build reads was a cache hit"
