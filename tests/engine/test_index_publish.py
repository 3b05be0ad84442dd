"""publish-package on a real engine and a REAL package index: pypiserver on loopback with htpasswd.

One copy of examples/library, released as v1.2.3 (one matrix Python to stay cheap, trivy off as
this machine has no vulnerability DB: a skipped scan would block publishing), is published three
times by the real CLI: to a fresh index (pip then installs it from there into a new venv), again
(the version is there: refused before any upload), and with the index killed. The gates' stages
are reused from the stage cache after the first run, so only publish-package runs again.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.engine, pytest.mark.slow]

VERSION = "1.2.3"
USER = "publisher"
FILES = [f"semverlite-{VERSION}-py3-none-any.whl", f"semverlite-{VERSION}.tar.gz"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_index(root: Path, password: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    """pypiserver on 127.0.0.1, uploads behind an htpasswd user, downloads open."""
    packages = root / "packages"
    packages.mkdir()
    htpasswd = root / "htpasswd"
    # pypiserver reads htpasswd with passlib; its hash classes are made at import (no stubs)
    apr_md5 = cast("Any", importlib.import_module("passlib.hash")).apr_md5_crypt
    htpasswd.write_text(f"{USER}:{apr_md5.hash(password)}\n", encoding="utf-8")
    port = _free_port()
    argv = [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port)]
    argv += ["-P", str(htpasswd), "-a", "update", str(packages)]
    log = (root / "pypiserver.log").open("wb")
    server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        health = f"http://127.0.0.1:{port}/health"
        with contextlib.suppress(urllib.error.URLError, OSError), urllib.request.urlopen(health, timeout=2):
            return server, port, packages
        if server.poll() is not None:
            break
        time.sleep(0.2)
    server.kill()
    pytest.fail(f"pypiserver did not start: {(root / 'pypiserver.log').read_text(errors='replace')[-2000:]}")


@dataclass
class Runs:
    """The released project, the index, and what each publish run left."""

    project: Path
    port: int
    packages: Path
    password: str = field(repr=False)
    first: subprocess.CompletedProcess[str]
    first_stages: dict[str, dict[str, object]]
    installed: subprocess.CompletedProcess[str]
    on_index: dict[str, float]
    second: subprocess.CompletedProcess[str]
    second_stages: dict[str, dict[str, object]]
    after_second: dict[str, float]
    down: subprocess.CompletedProcess[str]
    down_stages: dict[str, dict[str, object]]
    outputs: list[str]
    leaks: list[str]
    """Files of .shipyard/out holding the password (or its Basic form), after each run."""


def _release(project: Path, port: int) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8").replace('version = "1.4.0"', f'version = "{VERSION}"', 1)
    text = text.replace('python = ["3.10", "3.11", "3.12", "3.13"]', 'python = ["3.13"]', 1)
    text += f'\n[tool.shipyard.publish]\nindex = "http://127.0.0.1:{port}/"\n'
    text += "\n[tool.shipyard.scan]\ntrivy = false\n"
    pyproject.write_text(text, encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for argv in (["git", "add", "-A"], [*git, "commit", "-qm", "release"], ["git", "tag", f"v{VERSION}"]):
        subprocess.run(argv, cwd=project, check=True)


def _leaks(project: Path, password: str) -> list[str]:
    out = project / ".shipyard" / "out"
    basic = base64.b64encode(f"{USER}:{password}".encode())
    return [
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and (password.encode() in p.read_bytes() or basic in p.read_bytes())
    ]


def _listing(packages: Path) -> dict[str, float]:
    return {p.name: p.stat().st_mtime for p in sorted(packages.iterdir())}


def _pip_install(root: Path, port: int) -> subprocess.CompletedProcess[str]:
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    argv = [str(python), "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check"]
    argv += ["--index-url", f"http://127.0.0.1:{port}/simple/", f"semverlite=={VERSION}"]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return done
    check = "import importlib.metadata as m, semverlite; print(m.version('semverlite'), semverlite.__name__)"
    return subprocess.run([str(python), "-c", check], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("index")
    password = "pw-" + secrets.token_hex(12)
    server, port, packages = _start_index(root, password)
    try:
        project = git_copy("library", tmp_path_factory.mktemp("library"))
        _release(project, port)
        env = {
            "GITHUB_REF": f"refs/tags/v{VERSION}",
            "SHIPYARD_INDEX_USERNAME": USER,
            "SHIPYARD_INDEX_PASSWORD": password,
        }
        publish = ("run", "publish-package", "--source", str(project))
        first = shipyard(*publish, env=env, timeout=900)
        first_stages = summary(project)
        leaks = _leaks(project, password)
        installed = _pip_install(root, port)
        on_index = _listing(packages)
        time.sleep(0.05)  # a rewritten file would get a later mtime
        second = shipyard(*publish, env=env, timeout=600)
        second_stages = summary(project)
        leaks += _leaks(project, password)
        after_second = _listing(packages)
    finally:
        server.kill()
        server.wait(timeout=30)
    down = shipyard(*publish, env=env, timeout=600)
    leaks += _leaks(project, password)
    outputs = [done.stdout + done.stderr for done in (first, second, down)]
    return Runs(
        project=project,
        port=port,
        packages=packages,
        password=password,
        first=first,
        first_stages=first_stages,
        installed=installed,
        on_index=on_index,
        second=second,
        second_stages=second_stages,
        after_second=after_second,
        down=down,
        down_stages=summary(project),
        outputs=outputs,
        leaks=leaks,
    )


def test_the_release_lands_on_the_index_and_pip_installs_it_from_there(runs: Runs) -> None:
    stage = runs.first_stages["publish-package"]
    assert runs.first.returncode == 0, (runs.first.stdout[-3000:], runs.first.stderr[-2000:], stage)
    assert stage["status"] == "passed", stage
    # it ran after the gates of the full tier, the package stage among them
    for gate in ("lint", "test-3.13", "package", "package-smoke-3.13", "scan-history"):
        assert runs.first_stages[gate]["status"] == "passed", (gate, runs.first_stages[gate])
    assert sorted(runs.on_index) == sorted(FILES)
    assert runs.installed.returncode == 0, runs.installed.stdout[-2000:] + runs.installed.stderr[-2000:]
    assert runs.installed.stdout.split() == [VERSION, "semverlite"]


def _one_line_error(done: subprocess.CompletedProcess[str], stages: dict[str, dict[str, object]]) -> str:
    """The publish-package verdict of a run that must have failed: one line."""
    stage = stages["publish-package"]
    assert done.returncode != 0
    assert stage["status"] == "error", stage
    line = str(stage["summary"])
    assert "\n" not in line
    return line


def test_a_second_publish_of_the_version_is_refused_before_any_upload(runs: Runs) -> None:
    line = _one_line_error(runs.second, runs.second_stages)
    assert f"semverlite {VERSION} is already on http://127.0.0.1:{runs.port}/simple/" in line
    assert "(fix: bump the version" in line
    assert runs.after_second == runs.on_index, "the refused publish changed the index"
    log = (runs.project / ".shipyard" / "out" / "publish-package" / "log.txt").read_text(encoding="utf-8")
    assert "uploaded" not in log


def test_an_index_that_is_down_is_one_line_naming_the_cause(runs: Runs) -> None:
    line = _one_line_error(runs.down, runs.down_stages)
    assert f"the index http://127.0.0.1:{runs.port}/simple/ is unreachable" in line
    assert "Connection refused" in line
    assert "(fix: start it" in line


def test_the_password_is_in_no_report_log_or_output(runs: Runs) -> None:
    assert (runs.project / ".shipyard" / "out" / "publish-package" / "log.txt").is_file()
    assert runs.leaks == []
    assert all(runs.password not in text for text in runs.outputs)
