"""Preflight refuses before changing anything: real non-root user, real PATH, real busy port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
SYSTEM_PYTHON = "/usr/bin/python3"
"""An interpreter user nobody may execute (pyenv's live under /root, mode 0700)."""


def _daemon_pids() -> set[int]:
    """Pids of every dockerd and docker-registry on the machine."""
    pids: set[int] = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                comm = (proc / "comm").read_text(encoding="utf-8").strip()
            except OSError:
                continue
            if comm in {"dockerd", "docker-registry"}:
                pids.add(int(proc.name))
    return pids


def _bootstrap(
    argv_prefix: list[str], env: dict[str, str], python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    full_env = {"PYTHONPATH": str(SRC), "PYTHONDONTWRITEBYTECODE": "1", **env}
    argv = [*argv_prefix, python, "-m", "shipyard.bootstrap"]
    return subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=120, check=False)


def _assert_refused(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("shipyard bootstrap: error: ")
    assert "(fix: " in lines[0]
    for needle in needles:
        assert needle in lines[0]
    assert done.stdout == ""


needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to drop to nobody / to get past the root check"
)


@needs_root
def test_refuses_when_not_root() -> None:
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"{SYSTEM_PYTHON} is needed to run as nobody")
    before = _daemon_pids()
    setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    done = _bootstrap(setpriv, {"PATH": os.environ["PATH"]}, python=SYSTEM_PYTHON)
    _assert_refused(done, "root", "sudo")
    assert _daemon_pids() == before


@needs_root
def test_refuses_without_apt_get(tmp_path: Path) -> None:
    before = _daemon_pids()
    done = _bootstrap([], {"PATH": str(tmp_path)})
    _assert_refused(done, "apt-get", "Debian 12")
    assert _daemon_pids() == before


_SERVER = (
    "import http.server as h\n"
    "s = h.HTTPServer(('127.0.0.1', 0), h.BaseHTTPRequestHandler)\n"
    "print(s.server_address[1], flush=True)\n"
    "s.serve_forever()\n"
)


@needs_root
def test_refuses_when_the_registry_port_is_taken() -> None:
    before = _daemon_pids()
    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        done = _bootstrap([], {"PATH": os.environ["PATH"], "SHIPYARD_REGISTRY_PORT": str(port)})
    finally:
        server.terminate()
        server.wait()
    _assert_refused(done, f"port {port}", f"pid {server.pid}", "SHIPYARD_REGISTRY_PORT")
    assert _daemon_pids() == before
