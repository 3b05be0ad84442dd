"""The history scan of a project inside a repository (`--source backend`): the repository's .git,
the commits that touched the project; n/a only outside git, or in a worktree."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

from shipyard.config.load import load_project
from shipyard.gitinfo import read_git
from shipyard.stages.scan import history_stage
from shipyard.stages.spec import ContainerStep

LIBRARY = Path(__file__).resolve().parents[3] / "examples" / "library"
TODAY = dt.date(2026, 12, 1)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def repository_with(tmp_path: Path, inside: str) -> Path:
    """A repository whose `inside` directory holds examples/library; returns that directory."""
    repo = tmp_path / "repo"
    shutil.copytree(LIBRARY, repo / inside, ignore=shutil.ignore_patterns(".shipyard", "__pycache__"))
    (repo / "README.md").write_text("a monorepo\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo / inside


def test_a_project_in_a_subdirectory_scans_the_repositorys_history_of_its_own_path(tmp_path: Path) -> None:
    project_dir = repository_with(tmp_path, "libs/semver")
    facts = read_git(project_dir)
    assert (facts.toplevel, facts.prefix) == (str(tmp_path / "repo"), "libs/semver/")
    stage = history_stage(load_project(project_dir), TODAY, facts)
    assert stage.not_applicable is None
    assert stage.inputs.git_root == "../.."
    assert isinstance(stage.action, ContainerStep)
    assert stage.action.commands[0].argv[-1] == "--log-opts=-- libs/semver"


def test_at_the_root_the_whole_history_is_scanned_as_before(tmp_path: Path) -> None:
    project_dir = repository_with(tmp_path, ".")
    stage = history_stage(load_project(project_dir), TODAY, read_git(project_dir))
    assert (stage.not_applicable, stage.inputs.git_root) == (None, ".")
    assert isinstance(stage.action, ContainerStep)
    assert not any(a.startswith("--log-opts") for a in stage.action.commands[0].argv)


def test_outside_git_and_in_a_worktree_there_is_no_history_to_scan(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(LIBRARY, plain, ignore=shutil.ignore_patterns(".shipyard", "__pycache__"))
    stage = history_stage(load_project(plain), TODAY, read_git(plain))
    assert stage.not_applicable == "not in a git repository (gitleaks scans a repository's history)"
    project_dir = repository_with(tmp_path, ".")
    git(project_dir, "worktree", "add", "-q", str(tmp_path / "wt"))
    worktree = tmp_path / "wt"
    stage = history_stage(load_project(worktree), TODAY, read_git(worktree))
    assert stage.not_applicable is not None
    assert stage.not_applicable.startswith(f"{worktree / '.git'} is a file (a worktree or a submodule)")
