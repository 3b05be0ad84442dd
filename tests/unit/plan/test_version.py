"""The version setuptools-scm would give, from git describe (checked against setuptools-scm 10.3.4)."""

from __future__ import annotations

import datetime as dt

import pytest

from shipyard.config.vcs_version import HATCH_VCS, SETUPTOOLS_SCM, VERSIONINGIT, VcsBackend
from shipyard.gitinfo import NO_GIT, GitInfo
from shipyard.plan.version import ProjectVersion, project_version, scm_version

SHA = "39e99e7b3c0f7a2d4e5b6c7d8e9f0a1b2c3d4e5f"
TODAY = dt.date(2026, 9, 30)


@pytest.mark.parametrize(
    ("describe", "commits", "dirty", "expected"),
    [
        # each row was the output of `python -m setuptools_scm` on a real repository in that state
        (f"v1.4.0-0-g{SHA}", 3, False, "1.4.0"),
        (f"v1.4.0-1-g{SHA}", 3, False, "1.4.1.dev1+g39e99e7b3"),
        (f"v1.4.0-1-g{SHA}-dirty", 3, False, "1.4.1.dev1+g39e99e7b3.d20260930"),
        (f"v1.4.0-0-g{SHA}-dirty", 3, False, "1.4.1.dev0+g39e99e7b3.d20260930"),
        (f"v1.5.0rc1-1-g{SHA}", 5, False, "1.5.0rc2.dev1+g39e99e7b3"),
        (f"3.0-1-g{SHA}", 9, False, "3.1.dev1+g39e99e7b3"),
        (f"release-4.1-1-g{SHA}", 9, False, "4.2.dev1+g39e99e7b3"),
        (f"2.0.dev0-2-g{SHA}", 9, False, "2.0.dev2+g39e99e7b3"),
        (None, 2, False, "0.1.dev2+g39e99e7b3"),
        (None, 2, True, "0.1.dev2+g39e99e7b3.d20260930"),
        (f"2.0.dev3-1-g{SHA}", 9, False, None),  # setuptools-scm: "can't be bumped"
        (f"build42-1-g{SHA}", 9, False, None),  # no version in the tag: shipyard asks for an override
    ],
)
def test_scm_version(
    describe: str | None,
    commits: int,
    dirty: bool,  # noqa: FBT001 - a parametrized column
    expected: str | None,
) -> None:
    assert scm_version(describe, sha=SHA, commits=commits, dirty=dirty, today=TODAY) == expected


def _git(describe: str | None, commits: int | None = 4) -> GitInfo:
    return GitInfo(
        sha=SHA, ref=None, committed=None, dirty=False, history="h", describe=describe, commits=commits
    )


def test_a_static_version_is_the_pyproject_one() -> None:
    version = project_version(None, _git(None), static="1.0", today=TODAY, environ={})
    assert version == ProjectVersion(value="1.0", source="pyproject.toml")


def test_git_gives_the_override_variable() -> None:
    version = project_version(HATCH_VCS, _git(f"v1.4.0-1-g{SHA}"), static="0.0.0", today=TODAY, environ={})
    assert version.value == "1.4.1.dev1+g39e99e7b3"
    assert version.env == {"SETUPTOOLS_SCM_PRETEND_VERSION": "1.4.1.dev1+g39e99e7b3"}
    assert version.source == f"hatch-vcs: git describe v1.4.0-1-g{SHA}"


def test_the_users_variable_wins() -> None:
    environ = {"SETUPTOOLS_SCM_PRETEND_VERSION": "9.9"}
    version = project_version(SETUPTOOLS_SCM, NO_GIT, static="0.0.0", today=TODAY, environ=environ)
    assert version == ProjectVersion(
        value="9.9", source="SETUPTOOLS_SCM_PRETEND_VERSION", env={"SETUPTOOLS_SCM_PRETEND_VERSION": "9.9"}
    )


@pytest.mark.parametrize(
    ("backend", "git", "cause"),
    [
        (SETUPTOOLS_SCM, NO_GIT, "this is no git checkout (fix: run shipyard from a git checkout"),
        (SETUPTOOLS_SCM, _git(None, commits=None), "the source came without .git (fix: pass the source"),
        (SETUPTOOLS_SCM, _git(f"2.0.dev3-1-g{SHA}"), "names no tag it can bump (fix: tag a version"),
        (
            VERSIONINGIT,
            _git(f"v1.4.0-1-g{SHA}"),
            "get no .git (fix: set default-version in [tool.versioningit])",
        ),
    ],
    ids=["no-git", "no-history", "unbumpable-tag", "versioningit"],
)
def test_an_unknown_version_names_the_cause_and_the_fix(
    backend: VcsBackend, git: GitInfo, cause: str
) -> None:
    version = project_version(backend, git, static="0.0.0", today=TODAY, environ={})
    assert version.value is None
    assert not version.env
    assert version.problem is not None
    assert cause in version.problem
