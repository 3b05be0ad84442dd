"""Security properties on a real engine: stage containers are unprivileged, tool images are
pinned by digest. (Secrets staying secret while publishing is checked on the one publish run of
tests/engine/test_publish.py: argv of every process, output, every file of .shipyard/, the image.)

- A running stage container is not privileged, adds no capability, shares neither the host's
  network, pid nor ipc namespace, and has no docker socket mounted.
- Every tool image of the full plan (examples/webapp and this repository) is `repo:tag@sha256:…`;
  the Python base images are the configured `python:{version}-slim`: the user's choice (config
  `python_image`), deliberately not pinned by shipyard.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest

from shipyard.session import Selection, open_session
from shipyard.stages.spec import ContainerStep
from tests.engine.helpers import REPO, git_copy

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.timeout(1800)]

PINNED = re.compile(r"^[a-z0-9.\-/:]+:[\w.\-]+@sha256:[0-9a-f]{64}$")


def test_a_stage_container_runs_without_extra_privilege(tmp_path: Path) -> None:
    project = git_copy("library", tmp_path)
    run_id = "sec" + secrets.token_hex(5)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shipyard",
            "run",
            "--source",
            str(project),
            "test",
            "--python",
            "3.12",
            "--no-cache",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SHIPYARD_RUN_ID": run_id},
    )
    inspected: list[dict[str, Any]] = []
    deadline = time.monotonic() + 180
    try:
        while not inspected and proc.poll() is None and time.monotonic() < deadline:
            ids = subprocess.run(
                [
                    "docker",
                    "ps",
                    "-q",
                    "--filter",
                    f"label=dev.shipyard.run={run_id}",
                    "--filter",
                    "status=running",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            if ids:
                done = subprocess.run(
                    ["docker", "inspect", *ids], capture_output=True, text=True, check=False
                )
                inspected = json.loads(done.stdout) if done.returncode == 0 else []
            time.sleep(0.1)
    finally:
        proc.wait(timeout=600)
    assert inspected, "no running stage container was seen"
    for container in inspected:
        host = container["HostConfig"]
        assert host["Privileged"] is False
        assert not host.get("CapAdd")
        assert host["NetworkMode"] != "host"
        assert host["PidMode"] != "host"
        assert host["IpcMode"] != "host"
        assert not host.get("Devices")
        options: list[str] = host.get("SecurityOpt") or []
        assert not [o for o in options if "unconfined" in o]
        assert "no-new-privileges" in options, "a setuid binary could raise a stage's privileges"
        mounts = [m.get("Source", "") + " " + m.get("Destination", "") for m in container["Mounts"]]
        assert not [m for m in mounts if "docker.sock" in m], mounts
        assert not [m for m in container["Mounts"] if m["Type"] == "bind"], "a host path is bind-mounted"


@pytest.mark.parametrize("source", [REPO / "examples" / "webapp", REPO], ids=["webapp", "shipyard"])
def test_tool_images_are_pinned_by_digest_and_bases_are_the_configured_python(source: Path) -> None:
    session = open_session(source, Selection(tier="full"))
    configured = session.project.config.python_image
    tools: list[str] = []
    bases: list[str] = []
    for stage in session.plan.stages:
        action = stage.action
        if isinstance(action, ContainerStep):
            tools += [tool.image for tool in action.tools]
            # lint, the test legs and the package stage (and its smoke legs) run in the project's Python
            is_base = stage.id.startswith(("lint", "test-", "package"))
            (bases if is_base else tools).append(action.image)
        # the signer runs the pinned cosign binary in the configured Python image (it has a shell)
        bases += [v for k, v in stage.params.items() if k == "signer_image" and v]
        tools += [v for k, v in stage.params.items() if k.endswith("_image") and k != "signer_image" and v]
    assert tools
    assert [ref for ref in tools if not PINNED.match(ref)] == []
    versions = session.project.config.python or ("3.13",)
    allowed = {configured.format(version=v) for v in (*versions, "3.13")}
    assert set(bases) <= allowed, (bases, configured)
