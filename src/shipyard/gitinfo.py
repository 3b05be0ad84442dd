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

NO_GIT = GitInfo(sha=None, ref=None, committed=None, dirty=False, history=None)


def _git(root: Path, *args: str) -> str | None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False, env=env
        )
    except FileNotFoundError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def read_git(root: Path) -> GitInfo:
    """Read the repository state at `root` (GITHUB_REF, when set, names the ref on a CI checkout)."""
    sha = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    if sha is None:
        return NO_GIT
    ref = os.environ.get("GITHUB_REF") or _git(root, "symbolic-ref", "--quiet", "HEAD")
    if ref is None:
        tag = _git(root, "describe", "--tags", "--exact-match", "HEAD")
        ref = f"refs/tags/{tag}" if tag else None
    stamp = _git(root, "show", "-s", "--format=%ct", "HEAD")
    committed = dt.datetime.fromtimestamp(int(stamp), tz=dt.timezone.utc) if stamp else None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    refs = _git(root, "for-each-ref", "--format=%(objectname) %(refname)") or ""
    history = hashlib.sha256(f"{sha}\n{refs}".encode()).hexdigest()
    describe, commits = read_describe(root)
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    prefix = _git(root, "rev-parse", "--show-prefix") or ""
    return GitInfo(
        sha=sha,
        ref=ref,
        committed=committed,
        dirty=bool(status),
        history=history,
        describe=describe,
        commits=commits,
        toplevel=toplevel,
        prefix=prefix,
    )


def read_describe(root: Path) -> tuple[str | None, int | None]:
    """`git describe` of HEAD (None when no tag matches) and the number of commits HEAD has."""
    count = _git(root, "rev-list", "--count", "HEAD")
    return _git(root, *DESCRIBE), int(count) if count and count.isdigit() else None


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
