"""What the benchmark scripts share: a copy of an example as its own git checkout."""

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
