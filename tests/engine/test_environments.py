"""Prepared test environments on a real engine: reused by key, never stale, never half-written.

One webapp leg (Python 3.12) run again and again in a namespace of its own: each file the setup
reads, and the base image's ID, change the key and rebuild; a setup killed half-way leaves
nothing to reuse and no volume behind; the kept volume holds the venv and coverage, not the
source; `shipyard cache prune` evicts the oldest past SHIPYARD_ENV_MAX, `--all` every one.
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

from shipyard.docker.environments import KEY_LABEL, NAMESPACE_LABEL, ROLE_LABEL
from tests.engine.helpers import git_copy, shipyard

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

LEG = "test-3.12"
SEEN = re.compile(r"^environment: (prepared|reused) \((\S+)\)$", re.MULTILINE)


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout.strip()


def env_volumes(namespace: str, role: str, template: str = "{{.Name}}") -> list[str]:
    """The environment volumes of a role (`mark`, `data`) in this namespace."""
    listed = docker(
        "volume",
        "ls",
        "--filter",
        f"label={ROLE_LABEL}={role}",
        "--filter",
        f"label={NAMESPACE_LABEL}={namespace}",
        "--format",
        template,
    )
    return sorted(line for line in listed.splitlines() if line)


def kept(namespace: str) -> list[str]:
    """The environment keys the engine holds (marks) in this namespace."""
    return env_volumes(namespace, "mark", f'{{{{.Label "{KEY_LABEL}"}}}}')


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
        assert env_volumes(namespace, "data") == []  # what the killed setup wrote went with its container

        assert run_leg(project, env)[0] == "prepared"
        first = kept(namespace)
        assert len(first) == 1
        assert run_leg(project, env) == ("reused", f"shipyard-env-{namespace}:{first[0][:12]}")
        (data,) = env_volumes(namespace, "data")
        _holds_what_the_setup_wrote(data, f"{base}:3.12")

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
        state, newest = run_leg(project, env)
        assert state == "prepared"
        assert len(kept(namespace)) == 4
        assert len(env_volumes(namespace, "data")) == 4
        _pruned_past_the_bound_then_all(project, env, newest=newest.rsplit(":", 1)[1])
    finally:
        subprocess.run(["docker", "rmi", "-f", f"{base}:3.12"], capture_output=True, check=False)
        volumes = docker("volume", "ls", "-q", "--filter", f"name=-{namespace}").split()
        if volumes:
            subprocess.run(["docker", "volume", "rm", "-f", *volumes], capture_output=True, check=False)


def _holds_what_the_setup_wrote(data: str, image: str) -> None:
    """The kept volume holds the setup's directories, never the source (src/, tests/), and the
    bytecode the first leg's run wrote for those files (pytest's own, rewritten or not)."""
    mount = f"{data}:/kept:ro"
    kept = docker("run", "--rm", "-v", mount, image, "tar", "-tf", "/kept/env.tar").split()
    assert "venv/bin/pytest" in kept, kept[:50]
    assert "opt/shipyard/coverage/" in kept, kept[:50]
    assert not [line for line in kept if line.startswith(("src", "tests", "venv/src"))], kept
    bytecode = docker("run", "--rm", "-v", mount, image, "tar", "-tf", "/kept/bytecode.tar").split()
    assert [line for line in bytecode if "/_pytest/" in line and line.endswith(".pyc")], "no bytecode kept"


def _pruned_past_the_bound_then_all(project: Path, env: dict[str, str], *, newest: str) -> None:
    """Past the bound (one environment's worth) the oldest go, the newest stays; `--all` empties it."""
    namespace = env["SHIPYARD_CACHE_NAMESPACE"]
    pruned = shipyard("cache", "prune", "--source", str(project), env={**env, "SHIPYARD_ENV_MAX": "40M"})
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.count("over the bound") == 3, pruned.stdout
    assert [key[:12] for key in kept(namespace)] == [newest]
    assert len(env_volumes(namespace, "data")) == 1
    pruned = shipyard("cache", "prune", "--all", "--source", str(project), env=env)
    assert pruned.returncode == 0, pruned.stderr
    assert "1 removed" in pruned.stdout
    assert kept(namespace) == []
    assert env_volumes(namespace, "data") == []


def test_a_setup_larger_than_its_memory_runs_again_on_disk(tmp_path: Path) -> None:
    """The venv is a tmpfs capped at SHIPYARD_ENV_MEMORY: webapp's 25 MB do not fit in 20M, so
    uv's install fails with ENOSPC (which only a capped tmpfs can cause), the leg runs again on
    disk and passes; reusing it, 20M has no room either, the default has."""
    project = git_copy("webapp", tmp_path)
    namespace = "envm" + uuid.uuid4().hex[:8]
    env = {"SHIPYARD_CACHE_NAMESPACE": namespace, "SHIPYARD_RUN_ID": namespace}
    log = project / ".shipyard" / "out" / LEG / "log.txt"
    try:
        assert run_leg(project, {**env, "SHIPYARD_ENV_MEMORY": "20M"})[0] == "prepared"
        text = log.read_text()
        assert "No space left on device" in text, text[-3000:]
        assert "outgrew the 20 MB each may take in memory (SHIPYARD_ENV_MEMORY)" in text
        assert text.count("environment: prepared") == 2  # the second time on disk, and kept
        assert "environment: kept as" in text
        assert len(kept(namespace)) == 1
        assert len(env_volumes(namespace, "data")) == 1  # the first attempt's volume went with it

        assert run_leg(project, {**env, "SHIPYARD_ENV_MEMORY": "20M"})[0] == "reused"
        assert "environment: restored on disk" in log.read_text()
        assert run_leg(project, env)[0] == "reused"
        assert "environment: restored in memory" in log.read_text()
    finally:
        volumes = docker("volume", "ls", "-q", "--filter", f"name=-{namespace}").split()
        if volumes:
            subprocess.run(["docker", "volume", "rm", "-f", *volumes], capture_output=True, check=False)
