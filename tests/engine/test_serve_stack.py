"""The run-history stack (compose/compose.yaml): shipyard's own image serving on PostgreSQL.

Builds the image from docker/Dockerfile, brings the stack up with `docker compose up --wait`
(healthchecks and depends_on: service_healthy decide), ingests three runs over HTTP on loopback,
checks the history page shows them, survives PostgreSQL going away and coming back, and always
tears the stack down (`down -v`).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from shipyard.serve.client import send_summary
from tests.engine.helpers import REPO

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = [pytest.mark.engine, pytest.mark.slow]

COMPOSE = REPO / "compose" / "compose.yaml"
FIXTURE = REPO / "tests" / "fixtures" / "summaries" / "webapp-full.json"
TOKEN = f"stack-{uuid.uuid4().hex}"


def run(*argv: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    done = subprocess.run(list(argv), capture_output=True, text=True, env=env, timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback http
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="module")
def stack() -> Iterator[tuple[str, list[str], dict[str, str]]]:
    """The stack up and healthy; yields its base URL on loopback, the compose argv and env."""
    tag = f"shipyard-serve-test:{uuid.uuid4().hex[:10]}"
    run(
        "docker", "buildx", "build", "--load", "-f", str(REPO / "docker" / "Dockerfile"), "-t", tag, str(REPO)
    )
    project = f"shipyard-serve-{uuid.uuid4().hex[:8]}"
    compose = ["docker", "compose", "-p", project, "-f", str(COMPOSE)]
    env = {**os.environ, "SHIPYARD_IMAGE": tag, "SHIPYARD_SERVE_TOKEN": TOKEN, "POSTGRES_PASSWORD": "pw-test"}
    try:
        run(*compose, "up", "--wait", "--wait-timeout", "180", "--no-build", env=env)
        host_port = run(*compose, "port", "serve", "8080", env=env).strip()
        assert host_port.startswith("127.0.0.1:"), host_port  # published on loopback only
        yield f"http://{host_port}", compose, env
    finally:
        subprocess.run([*compose, "logs", "--no-color", "--tail", "50"], env=env, check=False, timeout=60)
        subprocess.run([*compose, "down", "-v", "--remove-orphans"], env=env, check=False, timeout=180)
        subprocess.run(["docker", "image", "rm", "-f", tag], check=False, timeout=60)


def summary(minutes: int, test_seconds: float) -> Any:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["started"] = f"2026-11-20T10:{minutes:02d}:00Z"
    for stage in data["stages"]:
        if stage["id"] == "test-3.12":
            stage["seconds"] = test_seconds
    return data


def test_the_stack_is_healthy_and_keeps_three_runs(stack: tuple[str, list[str], dict[str, str]]) -> None:
    base, _, _ = stack
    assert get(f"{base}/healthz") == (200, "ok\n")
    for i, seconds in enumerate((4.5, 4.7, 4.4)):
        assert send_summary(base, summary(i, seconds), token=TOKEN) == f"{base}/projects/webapp"
    status, page = get(f"{base}/projects/webapp")
    assert status == 200
    assert "3 run(s)" in page
    assert page.count("<svg") >= 3
    stats = json.loads(get(f"{base}/api/projects/webapp/stats")[1])
    (main,) = stats["branches"]
    assert len(main["runs"]) == 3
    test312 = next(s for s in main["stages"] if s["stage"] == "test-3.12")
    assert [d["seconds"] for d in test312["durations"]] == [4.5, 4.7, 4.4]
    with pytest.raises(OSError, match="401"):
        send_summary(base, summary(9, 1.0), token="wrong")  # noqa: S106 - a wrong token on purpose


def test_postgres_going_away_is_503_and_the_service_recovers(
    stack: tuple[str, list[str], dict[str, str]],
) -> None:
    base, compose, env = stack
    run(*compose, "stop", "db", env=env)
    try:
        status, text = get(f"{base}/healthz")
        assert status == 503
        assert "database unavailable" in text
        with pytest.raises(OSError, match="503"):
            send_summary(base, summary(30, 1.0), token=TOKEN)
    finally:
        run(*compose, "start", "db", env=env)
    deadline = time.monotonic() + 60
    while get(f"{base}/healthz")[0] != 200:
        assert time.monotonic() < deadline, "serve did not recover after PostgreSQL came back"
        time.sleep(1)
    assert "3 run(s)" in get(f"{base}/projects/webapp")[1]
