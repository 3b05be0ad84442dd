"""Engine tests need a real Docker Engine: skip without one, but fail under CI=true."""

from __future__ import annotations

import os
import subprocess

import pytest


def _engine_problem() -> str | None:
    """Why `docker info` fails, or None when the engine answers."""
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        return f"`docker info` could not run: {exc}"
    if done.returncode != 0:
        return f"`docker info` failed: {done.stderr.strip()[-300:]}"
    return None


@pytest.fixture(autouse=True, scope="session")
def docker_engine() -> None:
    """Every test here needs the engine: a missing engine fails under CI, skips elsewhere."""
    problem = _engine_problem()
    if problem is None:
        return
    reason = f"{problem} (run: sudo uv run python -m shipyard.bootstrap)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and no Docker Engine: {reason}")
    pytest.skip(reason)
