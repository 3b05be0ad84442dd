"""Helpers of the engine tests: copies of the examples as git checkouts, the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def shipyard(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})},
    )


def git_copy(example: str, tmp_path: Path) -> Path:
    """A copy of an example in its own git repository (as a user's checkout would be)."""
    target = tmp_path / example
    shutil.copytree(
        EXAMPLES / example, target, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".shipyard")
    )
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init"],
    ):
        subprocess.run(argv, cwd=target, check=True)
    return target


def summary(project: Path) -> dict[str, dict[str, object]]:
    """Stage id → stage entry of the run's summary.json."""
    data = json.loads((project / ".shipyard" / "out" / "summary.json").read_text())
    return {stage["id"]: stage for stage in data["stages"]}


def cosign_binary(directory: Path) -> Path:
    """The cosign executable copied out of the pinned cosign image (seeded stand-in here)."""
    from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES  # noqa: PLC0415 - only these tests need it

    image = DEFAULT_TOOL_IMAGES["cosign"]
    holder = subprocess.run(
        ["docker", "create", "--entrypoint", "/none", image.tagged],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        subprocess.run(["docker", "cp", f"{holder}:{image.binary}", str(directory / "cosign")], check=True)
    finally:
        subprocess.run(["docker", "rm", "-f", holder], capture_output=True, check=False)
    return directory / "cosign"
