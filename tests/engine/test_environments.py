"""Prepared test environments on a real engine: reused by key, never stale, never half-written.

One webapp leg (Python 3.12) run again and again in a namespace of its own: each file the setup
reads, and the base image's ID, change the key and rebuild; a setup killed half-way leaves
nothing to reuse; the kept image holds the lock files and the venv, not the source; `shipyard
cache prune --all` removes it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING

import pytest

from shipyard.docker.environments import KEY_LABEL
from tests.engine.helpers import git_copy, shipyard

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

LEG = "test-3.12"
SEEN = re.compile(r"^environment: (prepared|reused) \((\S+)\)$", re.MULTILINE)


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout.strip()


def kept(namespace: str) -> list[str]:
    """The environment keys the engine holds in this namespace."""
    listed = docker(
        "images", f"shipyard-env-{namespace}", "--filter", f"label={KEY_LABEL}", "--format", "{{.Tag}}"
    )
    return sorted(line for line in listed.splitlines() if line)


def _in_setup(run_id: str) -> str:
    """The run's container while its dependency install runs, else ''."""
    for container in docker("ps", "-q", "--filter", f"label=dev.shipyard.run={run_id}").split():
        with contextlib.suppress(subprocess.CalledProcessError):
            if "--no-install-local" in docker("top", container):
                return container
    return ""


def run_leg(project: Path, env: dict[str, str]) -> tuple[str, str]:
    """Run the leg (no stage cache); return whether its environment was prepared or reused, and its ref."""
    done = shipyard("run", LEG, "--source", str(project), "--no-cache", env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    found = SEEN.search((project / ".shipyard" / "out" / LEG / "log.txt").read_text())
    assert found is not None
    return found.group(1), found.group(2)


def test_an_environment_is_reused_only_while_every_input_of_its_key_is_the_same(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    namespace = "envt" + uuid.uuid4().hex[:8]
    base = f"shipyard-tests/envbase-{namespace}"
    docker("tag", "python:3.12-slim", f"{base}:3.12")
    pyproject = project / "pyproject.toml"
    table = f'[tool.shipyard]\npython_image = "{base}:{{version}}"\n'
    pyproject.write_text(pyproject.read_text().replace("[tool.shipyard]\n", table, 1))
    env = {"SHIPYARD_CACHE_NAMESPACE": namespace, "SHIPYARD_RUN_ID": namespace}
    try:
        # killed during the setup: nothing is kept, and the next run prepares it from scratch
        running = subprocess.Popen(
            [sys.executable, "-m", "shipyard", "run", LEG, "--source", str(project), "--no-cache"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline, setup = time.monotonic() + 120, ""
        while time.monotonic() < deadline and running.poll() is None and not (setup := _in_setup(namespace)):
            time.sleep(0.05)
        docker("kill", setup)
        running.wait(timeout=60)
        assert "environment: kept" not in (project / ".shipyard" / "out" / LEG / "log.txt").read_text()
        assert kept(namespace) == []

        assert run_leg(project, env)[0] == "prepared"
        first = kept(namespace)
        assert len(first) == 1
        assert run_leg(project, env) == ("reused", f"shipyard-env-{namespace}:{first[0][:12]}")
        image = f"shipyard-env-{namespace}:{first[0]}"
        # the kept image holds the setup's own files, never the source (src/, tests/)
        assert docker("run", "--rm", "--entrypoint", "ls", image, "/src").split() == [
            "pyproject.toml",
            "uv.lock",
        ]
        assert "/venv/bin/pytest" in docker("run", "--rm", "--entrypoint", "ls", image, "/venv/bin/pytest")

        reused = run_leg(project, env)
        for name in ("uv.lock", "pyproject.toml"):  # every file the setup reads: a comment changes nothing
            (project / name).write_text((project / name).read_text() + "\n# edited\n")
            assert run_leg(project, env) == reused, name
        # a value of pyproject.toml the installer reads, then a dependency added (pyproject and lock)
        pyproject.write_text(pyproject.read_text() + "\n[tool.envtest]\nedited = true\n")
        assert run_leg(project, env)[0] == "prepared"
        add = ["uv", "add", "--no-sync", "--quiet", "--project", str(project), "six>=1.16"]
        subprocess.run(add, check=True, capture_output=True)
        assert run_leg(project, env)[0] == "prepared"
        # the same tag on another image (a new base digest) rebuilds too
        holder = docker("create", f"{base}:3.12", "true")
        docker("commit", holder, f"{base}:3.12")
        docker("rm", holder)
        assert run_leg(project, env)[0] == "prepared"
        assert len(kept(namespace)) == 4

        pruned = shipyard("cache", "prune", "--all", "--source", str(project), env=env)
        assert pruned.returncode == 0, pruned.stderr
        assert "4 removed" in pruned.stdout
        assert kept(namespace) == []
    finally:
        for key in kept(namespace):
            subprocess.run(["docker", "rmi", "-f", f"shipyard-env-{namespace}:{key}"], check=False)
        subprocess.run(["docker", "rmi", "-f", f"{base}:3.12"], capture_output=True, check=False)
        volumes = docker("volume", "ls", "-q", "--filter", f"name=-{namespace}").split()
        if volumes:
            subprocess.run(["docker", "volume", "rm", "-f", *volumes], capture_output=True, check=False)
