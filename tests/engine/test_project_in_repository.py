"""A project kept in a subdirectory of its repository (`--source libs/semver`), as in a monorepo.

git facts, .gitignore and the history scan come from the repository around the project: the
history scan reads the repository's .git and judges the commits that touched the project, so a
secret committed (and deleted) there fails it, and one elsewhere in the repository does not.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import EXAMPLES, fake_aws_key, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine


def git(cwd: Path, *args: str) -> None:
    argv = ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", *args]
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)


def commit_then_delete(repo: Path, path: str) -> None:
    """A fake AWS key committed at `path`, then removed: it lives only in history."""
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"AWS_ACCESS_KEY_ID={fake_aws_key()}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"add {path}")
    target.unlink()
    git(repo, "commit", "-qam", f"remove {path}")


def test_the_history_scan_judges_the_commits_that_touched_the_project(tmp_path: Path) -> None:
    repo = tmp_path / "monorepo"
    project = repo / "libs" / "semver"
    shutil.copytree(EXAMPLES / "library", project, ignore=shutil.ignore_patterns(".shipyard", "__pycache__"))
    (repo / ".gitignore").write_text("scratch/\n")
    (project / "scratch").mkdir()
    (project / "scratch" / "notes.py").write_text("import os\n")  # ignored by the repository's .gitignore
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    commit_then_delete(repo, "services/other/aws.env")

    done = shipyard("run", "scan-history", "lint", "--source", str(project), "--no-cache")
    stages = summary(project)
    assert done.returncode == 0, (stages, done.stderr[-2000:])
    assert stages["scan-history"]["status"] == "passed", "another project's secret is not this one's"
    assert stages["lint"]["status"] == "passed", "the repository's .gitignore keeps scratch/ out of lint"

    commit_then_delete(repo, "libs/semver/deploy/aws.env")
    done = shipyard("run", "scan-history", "--source", str(project), "--no-cache")
    history = summary(project)["scan-history"]
    assert done.returncode != 0
    assert history["status"] == "failed", history
    assert "aws-access-token" in str(history["summary"]) + str(history.get("details")), history
