"""Which engine the Docker executor talks to, and whether it shares this machine (no engine needed)."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pytest

from shipyard.docker.endpoint import DEFAULT_HOST, LOCALITY_ENV, current_endpoint, shares_host
from shipyard.docker.engine_probe import PROBE_SOURCE, probe_argv
from shipyard.errors import EngineError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("unix:///var/run/docker.sock", True),
        ("unix:///run/user/1000/docker.sock", True),
        ("npipe:////./pipe/docker_engine", True),
        ("tcp://127.0.0.1:2375", True),
        ("tcp://localhost:2376", True),
        ("tcp://[::1]:2376", True),
        ("127.0.0.1:2375", True),
        ("tcp://10.213.7.2:2375", False),
        ("tcp://build-host.example:2376", False),
        ("ssh://ci@build-host.example", False),
        ("ssh://127.0.0.1", False),
    ],
)
def test_shares_host(host: str, local: bool) -> None:  # noqa: FBT001 - a table's column
    assert shares_host(host) is local


def test_docker_host_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.2:2375")
    monkeypatch.setenv("DOCKER_CONTEXT", "nonexistent")
    endpoint = current_endpoint()
    assert (endpoint.host, endpoint.source, endpoint.local) == ("tcp://10.0.0.2:2375", "DOCKER_HOST", False)


def test_locality_can_be_corrected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:23750")  # an ssh tunnel to another host, say
    monkeypatch.setenv(LOCALITY_ENV, "remote")
    assert current_endpoint().local is False


def test_the_current_context_names_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A context made by `docker context create build --docker host=ssh://ci@build` (its meta.json)."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "build"}))
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"build").hexdigest()  # the CLI's layout
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps({"Name": "build", "Metadata": {}, "Endpoints": {"docker": {"Host": "ssh://ci@build"}}})
    )
    endpoint = current_endpoint()
    assert (endpoint.host, endpoint.source, endpoint.local) == (
        "ssh://ci@build",
        "docker context build",
        False,
    )


def test_default_and_missing_contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("DOCKER_CONTEXT", "default")
    assert current_endpoint().host == DEFAULT_HOST
    monkeypatch.setenv("DOCKER_CONTEXT", "gone")
    with pytest.raises(EngineError, match="docker context 'gone' does not exist"):
        current_endpoint()


def test_a_remote_probe_shares_the_service_containers_network() -> None:
    argv = probe_argv(
        "python:3.13-slim", "stack-app-1", "http", "172.18.0.3", 8000, "/healthz", 5, run_id="r1", pull=False
    )
    assert argv[:6] == ["docker", "run", "--rm", "--network", "container:stack-app-1", "--label"]
    assert argv[argv.index("-c") + 1] == PROBE_SOURCE
    assert argv[-6:] == ["http", "172.18.0.3", "8000", "/healthz", "5", argv[-1]]
    assert argv[argv.index("--pull") : argv.index("--pull") + 2] == ["--pull", "never"]
