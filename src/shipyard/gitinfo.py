"""What shipyard needs to know from git: the commit, the ref, when it was made, what changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path


@dataclass(frozen=True)
class GitInfo:
    """The state of the project's repository, or placeholders when it is not a git work tree."""

    sha: str | None
    """Full commit sha of HEAD."""
    ref: str | None
    """Symbolic ref (refs/heads/main, refs/tags/v1.2.3), or None when detached."""
    committed: dt.datetime | None
    """Commit time of HEAD: used as the image's `created` so builds are reproducible."""
    dirty: bool
    history: str | None
    """Digest of HEAD and every ref: changes exactly when history scanners have new input."""
    describe: str | None = None
    """`git describe` of HEAD as setuptools-scm runs it (DESCRIBE), or None when no tag matches."""
    commits: int | None = None
    """How many commits HEAD has (what a version counts when no tag matches)."""
    toplevel: str | None = None
    """The repository's work tree root, which may be above the project (a monorepo, `backend/`)."""
    prefix: str = ""
    """Where the project is inside the repository (`backend/`; empty at the root)."""

    @property
    def short_sha(self) -> str:
        """Seven characters of the sha, or `nogit`."""
        return self.sha[:7] if self.sha else "nogit"


DESCRIBE = ("describe", "--dirty", "--tags", "--long", "--abbrev=40", "--match", "*[0-9]*")
"""setuptools-scm's own `git describe` (vcs_versioning `DEFAULT_DESCRIBE`): full sha, `-dirty`."""

COUNT = ("rev-list", "--count", "HEAD")
"""How many commits HEAD has (setuptools-scm's distance when no tag matches)."""

NO_GIT = GitInfo(sha=None, ref=None, committed=None, dirty=False, history=None)


def _environment() -> dict[str, str]:
    # GIT_OPTIONAL_LOCKS=0: `status` and `describe --dirty` leave the index as it is (git's rule for
    # commands run in the background), so the reads below never contend for index.lock
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0"}


def _start(root: Path, *args: str) -> subprocess.Popen[str] | None:
    try:
        return subprocess.Popen(
            ["git", "-C", str(root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=_environment(),
        )
    except FileNotFoundError:
        return None


def _output(proc: subprocess.Popen[str] | None) -> str | None:
    if proc is None:
        return None
    out, _ = proc.communicate()
    return out.strip() if proc.returncode == 0 else None


def _git(root: Path, *args: str) -> str | None:
    return _output(_start(root, *args))


def _git_at_once(root: Path, commands: Mapping[str, tuple[str, ...]]) -> dict[str, str | None]:
    """Every command started before any is waited for (each costs a fork and git's start-up)."""
    started = {name: _start(root, *args) for name, args in commands.items()}
    return {name: _output(proc) for name, proc in started.items()}


def read_git(root: Path) -> GitInfo:
    """Read the repository state at `root` (GITHUB_REF, when set, names the ref on a CI checkout)."""
    commands = {
        "sha": ("rev-parse", "--verify", "--quiet", "HEAD"),
        "stamp": ("show", "-s", "--format=%ct", "HEAD"),
        "status": ("status", "--porcelain", "--untracked-files=no"),
        "refs": ("for-each-ref", "--format=%(objectname) %(refname)"),
        "count": COUNT,
        "describe": DESCRIBE,
        "where": ("rev-parse", "--show-toplevel", "--show-prefix"),
    }
    if not os.environ.get("GITHUB_REF"):
        commands["ref"] = ("symbolic-ref", "--quiet", "HEAD")
    out = _git_at_once(root, commands)
    sha = out["sha"]
    if sha is None:
        return NO_GIT
    ref = os.environ.get("GITHUB_REF") or out.get("ref")
    if ref is None:
        tag = _git(root, "describe", "--tags", "--exact-match", "HEAD")
        ref = f"refs/tags/{tag}" if tag else None
    stamp = out["stamp"]
    committed = dt.datetime.fromtimestamp(int(stamp), tz=dt.timezone.utc) if stamp else None
    history = hashlib.sha256(f"{sha}\n{out['refs'] or ''}".encode()).hexdigest()
    toplevel, _, prefix = (out["where"] or "").partition("\n")
    return GitInfo(
        sha=sha,
        ref=ref,
        committed=committed,
        dirty=bool(out["status"]),
        history=history,
        describe=out["describe"],
        commits=_count(out["count"]),
        toplevel=toplevel or None,
        prefix=prefix.strip(),
    )


def read_describe(root: Path) -> tuple[str | None, int | None]:
    """`git describe` of HEAD (None when no tag matches) and the number of commits HEAD has."""
    out = _git_at_once(root, {"describe": DESCRIBE, "count": COUNT})
    return out["describe"], _count(out["count"])


def _count(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def changed_paths(root: Path, base: str) -> tuple[str, ...]:
    """Paths changed since `base` (committed, staged, unstaged and untracked), relative to `root`."""
    if _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}") is None:
        raise ConfigError(
            f"{base!r} is not a commit in {root}",
            fix="pass --since with a branch, tag or sha that exists (fetch it first on CI)",
        )
    committed = _git(root, "diff", "--name-only", "--relative", f"{base}...HEAD") or ""
    working = _git(root, "diff", "--name-only", "--relative", "HEAD") or ""
    untracked = _git(root, "ls-files", "--others", "--exclude-standard") or ""
    paths = {p for block in (committed, working, untracked) for p in block.splitlines() if p}
    return tuple(sorted(paths))
