"""The project's version as its build backend would compute it from git, for stage containers.

Stage containers never get `.git`, so a backend that derives the version from git (setuptools-scm,
hatch-vcs) would fail there; the core computes the version from the host's `git describe` the way
setuptools-scm's defaults do (`guess-next-dev` + `node-and-date`) and hands it over in the
backend's override variable. A version the user set in that variable wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from shipyard.config.vcs_version import PRETEND_VERSION

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from shipyard.config.vcs_version import VcsBackend
    from shipyard.gitinfo import GitInfo

NODE_LENGTH = 9
"""Hex digits of the sha in the local part (setuptools-scm 10's `_slice_node_id`)."""
TAG_VERSION = re.compile(r"^(?:[\w-]+-)?(?P<version>[vV]?\d+(?:\.\d+){0,2}[^\+]*)(?:\+.*)?$")
"""setuptools-scm's default `tag_regex`: `v1.2.3`, `release-1.2`, `1.2.3rc1`."""
DESCRIBE_SUFFIX = re.compile(r"^(?P<tag>.+)-(?P<distance>\d+)-g(?P<node>[0-9a-f]+)(?P<dirty>-dirty)?$")
OVERRIDE_FIX = f"set {PRETEND_VERSION} yourself, in shipyard's environment or [tool.shipyard.test] env"
NO_GIT_FIX = f"run shipyard from a git checkout, or {OVERRIDE_FIX}"


@dataclass(frozen=True)
class ProjectVersion:
    """The version stages build the project as, and where it came from."""

    value: str | None
    """A PEP 440 version, or None when it cannot be known."""
    source: str
    """Where it came from, for the summary: `git describe v1.4.0-1-g...`, a variable, pyproject.toml."""
    env: Mapping[str, str] = field(default_factory=dict[str, str])
    """What a stage that installs the project sets so the backend takes `value`."""
    problem: str | None = None
    """Why an install may fail for want of a version, with the fix, in one line."""


def _tag_version(tag: str) -> Version | None:
    match = TAG_VERSION.match(tag)
    if match is None:
        return None
    try:
        return Version(match.group("version"))
    except InvalidVersion:
        return None


def _next_version(tag: Version) -> str | None:
    """setuptools-scm's `guess_next_version`: drop a `.dev0`, else bump the last number."""
    text = str(Version(tag.public))
    if ".dev" in text:
        prefix, number = text.rsplit(".dev", 1)
        return prefix if number == "0" else None
    match = re.match(r"(.*?)(\d+)$", text)
    return f"{match.group(1)}{int(match.group(2)) + 1}" if match else None


def scm_version(describe: str | None, *, sha: str, commits: int, dirty: bool, today: dt.date) -> str | None:
    """The version setuptools-scm's defaults give for this `git describe` (None: a tag it cannot read).

    On a clean exact tag `1.2.3`; else `1.2.4.dev<distance>+g<sha>`, `.d<YYYYMMDD>` added when the
    work tree is dirty; without a tag `0.1.dev<commits>+g<sha>`.
    """
    if describe is None:
        tag, distance, node = Version("0.0"), commits, sha
    else:
        match = DESCRIBE_SUFFIX.match(describe)
        parsed = _tag_version(match.group("tag")) if match else None
        if match is None or parsed is None:
            return None
        tag, distance, node = parsed, int(match.group("distance")), match.group("node")
        dirty = dirty or bool(match.group("dirty"))
    if distance == 0 and not dirty and describe is not None:
        return str(tag)
    following = _next_version(tag)
    if following is None:
        return None
    date = f".d{today:%Y%m%d}" if dirty else ""
    return f"{following}.dev{distance}+g{node[:NODE_LENGTH]}{date}"


def project_version(
    backend: VcsBackend | None,
    git: GitInfo,
    *,
    static: str,
    today: dt.date,
    environ: Mapping[str, str],
) -> ProjectVersion:
    """The version the project's stages build with: static, the user's override, or git's."""
    if backend is None:
        return ProjectVersion(value=static, source="pyproject.toml")
    if backend.override is None:
        return ProjectVersion(
            value=None,
            source=f"{backend.name}: it reads the version only from .git, which stages do not get",
            problem=(
                f"the version comes from git ({backend.name}) and stage containers get no .git "
                "(fix: set default-version in [tool.versioningit])"
            ),
        )
    given = environ.get(backend.override)
    if given:
        return ProjectVersion(value=given, source=backend.override, env={backend.override: given})
    return _from_git(backend, backend.override, git, today)


def _from_git(backend: VcsBackend, override: str, git: GitInfo, today: dt.date) -> ProjectVersion:
    def unknown(source: str, cause: str, fix: str) -> ProjectVersion:
        problem = f"the version comes from git ({backend.name}) and {cause} (fix: {fix})"
        return ProjectVersion(value=None, source=f"{backend.name}: {source}", problem=problem)

    if git.sha is None:
        return unknown("no git repository", "this is no git checkout", NO_GIT_FIX)
    if git.describe is None and git.commits is None:
        return unknown(
            f"commit {git.short_sha} without its history",
            "the source came without .git",
            f"pass the source with its .git or a tag ref, or {OVERRIDE_FIX}",
        )
    described = f"git describe {git.describe}" if git.describe else f"git: no tag, {git.commits} commits"
    value = scm_version(git.describe, sha=git.sha, commits=git.commits or 0, dirty=git.dirty, today=today)
    if value is None:
        return unknown(
            described, f"`{described}` names no tag it can bump", f"tag a version, or {OVERRIDE_FIX}"
        )
    return ProjectVersion(value=value, source=f"{backend.name}: {described}", env={override: value})
