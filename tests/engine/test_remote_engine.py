"""The Docker executor on an engine of another host: examples/webapp gives the local engine's verdicts.

The remote engine (remote_engine.py) is a second dockerd in its own network and mount
namespaces, reached only at tcp://10.213.N.2:2375; the client's temporary directory (where the
project copies live) and the repository are empty directories there. examples/webapp runs the
stages on it (DOCKER_HOST) and every verdict must be the local engine's: every stage passes, the
same 10 tests, both services healthy and the probe passed. With SHIPYARD_TEST_REMOTE_VS_LOCAL=1 the
same stages also run on the main engine and every stage's status and summary are compared (off
in CI, where it would add a minute: the local verdicts are what the other engine tests assert).

Reduced stage set (CI budget), one of each executor path: lint (a single-command container
step: files in through the API, reports out), test-3.12 (a multi-command step that prepares and
commits its environment on that engine: uv installs, then the source placed, junit/coverage
out), build-linux-amd64 (buildx sends the context to the engine; the image saved back through
the API), sbom (an upstream image archive streamed into a container) and compose (the client's
compose file with shipyard's override file; the HTTP probe from a container on the engine); then
`shipyard debug lint` (docker exec through DOCKER_HOST, its shell reading the files sent in).
Not here: the rest of the matrix, arm64, the trivy scans, package, publish — paths those share.

Every container the remote engine creates during the run is inspected as it is created: none
bind-mounts a path (shipyard's only mounts are named volumes of tools and caches).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES
from tests.engine.helpers import REPO, git_copy, shipyard, summary
from tests.engine.remote_engine import CreationWatch, RemoteEngine, missing_tools, scratch_dirs

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.timeout(1500)]

STAGES = ("lint", "test", "build", "sbom", "compose", "--python", "3.12", "--platform", "linux/amd64")
IMAGES = (
    "python:3.13-slim",  # lint, and the compose stage's probe image (the newest Python)
    "python:3.12-slim",  # test-3.12
    "python:3.11-slim",  # the Dockerfile's runtime and builder
    "postgres:15-bookworm",  # the compose stack's database
    *(DEFAULT_TOOL_IMAGES[tool].tagged for tool in ("ruff", "uv", "syft")),  # uv: also the Dockerfile's
)
"""What the run needs on the remote engine (it has no registry)."""
RAN = {"lint", "test-3.12", "build-linux-amd64", "sbom", "compose"}
COMPARE_ENV = "SHIPYARD_TEST_REMOTE_VS_LOCAL"
"""=1: also run the stages on the main engine and compare every stage's status and summary."""


@pytest.fixture(scope="module")
def remote() -> Iterator[RemoteEngine]:
    """A remote engine for this module; torn down whatever happened."""
    lacking = missing_tools()
    if lacking:
        reason = f"a remote test engine needs {', '.join(lacking)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    RemoteEngine.sweep_stale()
    engine = RemoteEngine(hidden=(*scratch_dirs(), REPO))
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()


def run_on(project: Path, engine: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    """`shipyard run` of the reduced stage set on `project`, on the engine `engine` names; its seconds."""
    started = time.monotonic()
    done = shipyard("run", "--source", str(project), "--json", "--offline", *STAGES, env=engine)
    return done, time.monotonic() - started


def verdicts(project: Path) -> dict[str, tuple[object, object]]:
    """Stage id -> (status, summary) of the project's last run."""
    return {stage_id: (entry["status"], entry["summary"]) for stage_id, entry in summary(project).items()}


def test_webapp_on_a_remote_engine_gives_the_local_verdicts(remote: RemoteEngine, tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path / "remote")
    assert not remote.sees(project), "the remote engine can see the client's project directory"
    started = time.monotonic()
    remote.seed(IMAGES)
    seeded = time.monotonic() - started
    run_id = f"remote-{secrets.token_hex(4)}"
    with CreationWatch(remote.host) as watch:
        done, took = run_on(project, {"DOCKER_HOST": remote.host, "SHIPYARD_RUN_ID": run_id})
    print(  # noqa: T201 - figures for the CI log
        f"remote engine: seeded in {seeded:.1f} s, the run took {took:.1f} s, data {remote.data_used()}, "
        f"{len(watch.created)} containers inspected, {len(watch.gone)} gone before"
    )
    assert done.returncode == 0, done.stderr[-3000:]

    there = summary(project)
    assert set(there) == RAN
    assert all(entry["status"] == "passed" and entry["cached"] is False for entry in there.values()), there
    counts = there["test-3.12"]["counts"]
    assert isinstance(counts, dict)
    assert (counts["passed"], counts["failed"]) == (10, 0)  # what the local engine's runs of webapp count
    assert "2 service(s) healthy, 1 probe(s) passed" in str(there["compose"]["summary"])
    for report in (
        "test-3.12/junit.xml",
        "lint/ruff.json",
        "build-linux-amd64/image.tar",
        "compose/compose-health.json",
    ):
        assert (project / ".shipyard/out" / report).is_file(), report
    if os.environ.get(COMPARE_ENV) == "1":  # the same stages on the main engine, side by side
        local = git_copy("webapp", tmp_path / "local")
        local_done, local_took = run_on(local, {})
        print(f"main engine: the run took {local_took:.1f} s")  # noqa: T201 - a figure
        assert local_done.returncode == 0, local_done.stderr[-3000:]
        assert verdicts(project) == verdicts(local)
        assert counts == summary(local)["test-3.12"]["counts"]

    # `shipyard debug` on the same engine: its shell (docker exec, no tty) sees the files sent in
    debug = subprocess.run(
        [sys.executable, "-m", "shipyard", "debug", "lint", "--source", str(project)],
        input="test -f pyproject.toml && test -d src/webapp && echo files-are-there\n",
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "DOCKER_HOST": remote.host, "NO_COLOR": "1"},
    )  # fmt: skip
    assert debug.returncode == 0, debug.stderr[-2000:]
    assert "files-are-there" in debug.stdout, debug.stdout[-2000:]

    stages_seen = {c.stage for c in watch.created}
    assert {"lint", "test-3.12", "sbom", "app", "db"} <= stages_seen, stages_seen
    assert any(c.volumes for c in watch.created), "no container mounted the tool volumes"
    bound = [c for c in watch.created if c.binds]
    assert not bound, f"containers with bind mounts on the remote engine: {bound}"
    leftover = subprocess.run(
        ["docker", "-H", remote.host, "ps", "-aq", "--filter", f"label=dev.shipyard.run={run_id}"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert not leftover, leftover
