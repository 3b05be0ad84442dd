"""What the benchmark scripts share: an example as its own git checkout, and cleaning cache volumes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def git_copy(example: str, into: Path) -> Path:
    """A copy of examples/<example> below `into`, committed in a git repository of its own."""
    target = into / example
    shutil.copytree(
        REPO / "examples" / example,
        target,
        ignore=shutil.ignore_patterns(".venv", "__pycache__", ".shipyard"),
    )
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "bench"],
    ):
        subprocess.run(argv, cwd=target, check=True)
    return target


ADDED_DEPENDENCY = "six>=1.16"
"""What the dependency-change scenario adds: small, pure Python, on PyPI for every version tested."""


def add_dependency(project: Path) -> None:
    """A real dependency change: `uv add` a package to pyproject.toml and uv.lock (resolved on PyPI).

    Not a comment appended to the lock: that changes nothing an installer reads, and shipyard
    keeps the environment across it (stages.environment.content_digest).
    """
    subprocess.run(
        ["uv", "add", "--no-sync", "--quiet", "--project", str(project), ADDED_DEPENDENCY], check=True
    )


def remove_cache_volumes(namespace: str) -> None:
    """Remove the cache volumes of a benchmark's SHIPYARD_CACHE_NAMESPACE (real runs' caches stay)."""
    listed = subprocess.run(
        ["docker", "volume", "ls", "--quiet", "--filter", f"name=-{namespace}"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [n for n in listed.stdout.split() if n.endswith(f"-{namespace}")]
    if names:  # its caches, tools and prepared environments
        subprocess.run(["docker", "volume", "rm", "--force", *names], capture_output=True, check=False)
