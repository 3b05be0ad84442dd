"""examples/scm-version: setuptools-scm takes the version shipyard computes from the host's git."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, cast

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@example.invalid")


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout.strip()


def _run_summary(project: Path, *env: tuple[str, str]) -> tuple[dict[str, object], str]:
    proc = shipyard("run", "test", "--python", "3.12", "--source", str(project), env=dict(env))
    data = json.loads((project / ".shipyard" / "out" / "summary.json").read_text())
    return data, proc.stdout + proc.stderr


def test_one_commit_after_the_tag_is_the_next_dev_version(tmp_path: Path) -> None:
    project = git_copy("scm-version", tmp_path)
    _git(project, "tag", "v1.4.0")
    _git(project, "commit", "-q", "--allow-empty", "-m", "after the tag")
    sha = _git(project, "rev-parse", "HEAD")

    data, output = _run_summary(project)

    assert summary(project)["test-3.12"]["status"] == "passed", output
    assert data["version"] == {
        "value": f"1.4.1.dev1+g{sha[:9]}",
        "source": f"setuptools-scm: git describe v1.4.0-1-g{sha}",
    }
    first = _environment(project)

    # the next commit is the next version, the same environment (the setup reads no version)
    _git(project, "commit", "-q", "--allow-empty", "-m", "one more")
    data, output = _run_summary(project)
    assert summary(project)["test-3.12"]["status"] == "passed", output
    assert str(cast("dict[str, object]", data["version"])["value"]).startswith("1.4.1.dev2+g")
    assert _environment(project) == ("reused", first[1])


def _environment(project: Path) -> tuple[str, str]:
    """Whether the leg's environment was prepared or reused, and its image."""
    log = (project / ".shipyard" / "out" / "test-3.12" / "log.txt").read_text()
    found = re.search(r"^environment: (prepared|reused) \((\S+)\)$", log, re.MULTILINE)
    assert found is not None, log[-2000:]
    return found.group(1), found.group(2)


def test_on_the_tag_it_is_the_tag(tmp_path: Path) -> None:
    project = git_copy("scm-version", tmp_path)
    _git(project, "tag", "v1.4.0")

    data, output = _run_summary(project)

    assert summary(project)["test-3.12"]["status"] == "passed", output
    assert data["version"] == {
        "value": "1.4.0",
        "source": f"setuptools-scm: git describe v1.4.0-0-g{_git(project, 'rev-parse', 'HEAD')}",
    }


def test_without_git_the_leg_names_the_cause_and_the_fix(tmp_path: Path) -> None:
    project = git_copy("scm-version", tmp_path)
    shutil.rmtree(project / ".git")

    data, output = _run_summary(project)

    leg = summary(project)["test-3.12"]
    assert leg["status"] == "error", output
    assert leg["summary"] == (
        "the version comes from git (setuptools-scm) and this is no git checkout (fix: run shipyard "
        "from a git checkout, or set SETUPTOOLS_SCM_PRETEND_VERSION yourself, in shipyard's "
        "environment or [tool.shipyard.test] env)"
    )
    assert data["version"] == {"value": None, "source": "setuptools-scm: no git repository"}


def test_the_users_own_version_wins(tmp_path: Path) -> None:
    project = git_copy("scm-version", tmp_path)
    shutil.rmtree(project / ".git")

    data, output = _run_summary(project, ("SETUPTOOLS_SCM_PRETEND_VERSION", "2.0.0"))

    assert summary(project)["test-3.12"]["status"] == "passed", output
    assert data["version"] == {"value": "2.0.0", "source": "SETUPTOOLS_SCM_PRETEND_VERSION"}
