"""The core's probe helper, run the way the Dagger module runs it (`python -c`), against a real server;
and the `docker inspect` reader on recorded and damaged output."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import ReportError
from shipyard.stages.compose_inspect import services_from_inspect, services_in_config
from shipyard.stages.compose_observation import ProbeAttempt
from shipyard.stages.compose_probe import observe, read_reply

if TYPE_CHECKING:
    from collections.abc import Iterator

DOCKER = Path(__file__).resolve().parents[2] / "fixtures" / "tools" / "docker"
SOURCE = resources.files("shipyard.stages").joinpath("compose_probe.py").read_text(encoding="utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = int(self.path.strip("/") or "200")
        body = f"answer {code}\n".encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        _ = self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        del format, args


@pytest.fixture
def server() -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_helper(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SOURCE, *args], capture_output=True, text=True, check=False, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return read_reply(done.stdout, done.returncode)


@pytest.mark.parametrize("code", [200, 201, 404, 503])
def test_the_helper_reports_the_exact_status_and_the_body(server: int, code: int) -> None:
    reply = run_helper("http", "127.0.0.1", str(server), f"/{code}", "5", "4000")
    assert reply["status"] == code
    assert reply["body"] == f"answer {code}\n"
    assert reply["error"] == ""


def test_the_helper_truncates_the_body(server: int) -> None:
    reply = run_helper("http", "127.0.0.1", str(server), "/200", "5", "3")
    assert reply["body"] == "ans"


def test_the_helper_reports_a_refused_connection() -> None:
    port = free_port()
    for kind in ("http", "tcp"):
        reply = run_helper(kind, "127.0.0.1", str(port), "/", "5", "10")
        assert reply["status"] is None
        assert "refused" in str(reply["error"]).lower(), reply


def test_tcp_connects(server: int) -> None:
    seen = observe("tcp", "127.0.0.1", server, path="", timeout=5, limit=10)
    assert (seen["status"], seen["error"]) == (None, "")
    _ = ProbeAttempt.model_validate({"probe": 0, "label": "t", "attempt": 1, **seen})


@pytest.mark.parametrize(
    "stdout", ["", "Traceback (most recent call last):\n", '{"status": "200"}', "[]", '{"status": 200}']
)
def test_a_reply_that_is_not_the_helpers_json_becomes_an_error(stdout: str) -> None:
    reply = read_reply(stdout, 1)
    assert set(reply) == {"error"}
    assert str(reply["error"]).startswith("the probe helper exited 1 and printed ")


def test_inspect_of_a_real_stack() -> None:
    services = services_from_inspect((DOCKER / "inspect-stack-unhealthy.json").read_bytes(), source="x")
    assert [(s.name, s.state, s.health, s.exit_code) for s in services] == [
        ("db", "running", "unhealthy", None),
        ("job", "exited", "", 3),
        ("web", "running", "healthy", None),
    ]
    db = services[0]
    assert db.healthcheck
    assert set(db.healthcheck) == {"db not ready: no socket"}
    assert db.container == "shipyardcapture-db-1"
    assert db.address.startswith("172.")
    assert services[1].address == ""


def test_inspect_of_no_containers() -> None:
    assert services_from_inspect("[]", source="x") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("[{", "invalid JSON"),
        ("{}", "expected a list of containers, got an object"),
        ('[{"Name": "/a"}]', "container 0.Config should be an object"),
        (
            '[{"Name": "/a", "Config": {"Labels": {}}, "State": {"Status": "exited"}}]',
            "has no integer 'ExitCode'",
        ),
    ],
)
def test_inspect_output_that_is_damaged(text: str, message: str) -> None:
    with pytest.raises(ReportError, match=r"^src is not `docker inspect` output") as info:
        _ = services_from_inspect(text, source="src")
    assert message in str(info.value)


def test_config_without_services() -> None:
    with pytest.raises(ReportError, match="has no 'services' object"):
        _ = services_in_config('{"name": "x"}', source="src")
