"""The probe from a container on the engine (a remote engine's path) sees what a probe from here sees.

On the main engine both paths can reach a container, so the same attempts are made both ways
against a real HTTP server in a container: the status of a page that is there, of one that is
not, and a TCP port nothing listens on.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from typing import TYPE_CHECKING

import pytest

from shipyard.docker.engine_probe import observe_from_engine
from shipyard.stages.compose_observation import OUTPUT_LIMIT
from shipyard.stages.compose_probe import observe

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.engine

IMAGE = "python:3.13-slim"
"""The probe image of a project whose newest Python is 3.13 (webapp's), also the server here."""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, str]]:
    """A container serving HTTP on 8000: its name and address."""
    name = f"shipyard-probe-test-{secrets.token_hex(4)}"
    subprocess.run(
        ["docker", "run", "-d", "--name", name, "--label", "dev.shipyard.run=probe-test",
         "--entrypoint", "python", IMAGE, "-m", "http.server", "8000", "--directory", "/etc"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        inspected = json.loads(
            subprocess.run(["docker", "inspect", name], check=True, capture_output=True).stdout
        )
        address = next(iter(inspected[0]["NetworkSettings"]["Networks"].values()))["IPAddress"]
        for _ in range(100):  # until it listens
            if observe("tcp", address, 8000, path="", timeout=1, limit=10)["error"] == "":
                break
            time.sleep(0.2)
        yield name, address
    finally:
        subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)


@pytest.mark.parametrize(
    ("kind", "port", "path"),
    [("http", 8000, "/hostname"), ("http", 8000, "/no-such-file"), ("tcp", 8000, ""), ("tcp", 9, "")],
)
def test_both_probe_paths_see_the_same(server: tuple[str, str], kind: str, port: int, path: str) -> None:
    name, address = server
    here = observe(kind, address, port, path=path, timeout=5, limit=OUTPUT_LIMIT)
    there = observe_from_engine(IMAGE, name, kind, address, port, path, 5, run_id="probe-test", pull=False)
    assert there["status"] == here["status"]
    assert there["body"] == here["body"]
    assert bool(there["error"]) == bool(here["error"]), (here, there)
