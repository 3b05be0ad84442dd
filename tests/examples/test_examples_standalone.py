"""Each example's own tests pass on their own, outside shipyard, on every Python it declares.

The interpreters are the machine's (pyenv here, any `python3.X` on PATH elsewhere): a version the
machine lacks fails under CI=true and skips elsewhere, like the engine tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from shipyard.config.load import load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
UV_PROJECTS = ("webapp", "broken", "modern")
NEWER_THAN_HOSTS = ("3.14", "3.15")
"""Versions hosts rarely have (this machine's pyenv, CI's runner): a missing one skips, also under CI;
the engine tests run them in the seeded python images (tests/engine/test_modern_python.py)."""


def declared(example: str) -> list[str]:
    """The Python versions of an example's matrix: its [tool.shipyard] python, else from requires-python."""
    return list(load_project(EXAMPLES / example).pythons)


def interpreter(version: str) -> str:
    """A python{version} of this machine."""
    pyenv = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
    candidates = sorted(str(p) for p in pyenv.glob(f"{version}.*/bin/python{version}"))
    found = shutil.which(f"python{version}")
    candidates += [found] if found else []
    for candidate in candidates:
        probe = subprocess.run([candidate, "-c", "import ssl, sqlite3"], capture_output=True, check=False)
        if probe.returncode == 0:  # a pyenv shim for a version not selected exits 127
            return candidate
    reason = f"no python{version} on this machine"
    if version in NEWER_THAN_HOSTS:
        pytest.skip(f"{reason} (newer than hosts have; tests/engine/test_modern_python.py runs it)")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


CASES = [(e, v) for e in ("webapp", "library", "broken", "modern") for v in declared(e)]


@pytest.mark.parametrize(("example", "version"), CASES, ids=[f"{e}-py{v}" for e, v in CASES])
def test_examples_own_tests_pass_on_their_own(example: str, version: str, tmp_path: Path) -> None:
    python = interpreter(version)
    project = tmp_path / example
    shutil.copytree(
        EXAMPLES / example, project, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".shipyard")
    )
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv")}
    env.pop("VIRTUAL_ENV", None)
    if example in UV_PROJECTS:
        argv = ["uv", "run", "--locked", "--python", python, "pytest", "-q", "-p", "no:cacheprovider"]
    else:
        # its requirements files as pip reads them; uv installs them (its cache makes the four
        # versions seconds where pip took 12-15 s each; shipyard's own pip path has engine tests)
        venv = tmp_path / "venv"
        subprocess.run(["uv", "venv", "-q", "--python", python, str(venv)], check=True, env=env)
        install = ["uv", "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
        install += ["-r", "requirements-dev.txt"]
        subprocess.run(install, cwd=project, check=True, env=env, timeout=600)
        argv = [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(
        argv, cwd=project, capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    assert " failed" not in done.stdout
