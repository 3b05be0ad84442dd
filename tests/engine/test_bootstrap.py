"""The bootstrapped engine: daemons, plugins, seeded images, registries, an idempotent re-run."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from shipyard.bootstrap.base_images import ARM64_PYTHON, PYTHON_MINORS
from shipyard.bootstrap.settings import Settings

pytestmark = pytest.mark.engine

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def rerun() -> tuple[subprocess.CompletedProcess[str], float]:
    """A bootstrap run on the already bootstrapped machine, and how long it took."""
    start = time.monotonic()
    done = _run(sys.executable, "-m", "shipyard.bootstrap", timeout=900)
    return done, time.monotonic() - start


@pytest.mark.parametrize(
    "argv",
    [("docker", "info"), ("docker", "buildx", "version"), ("docker", "compose", "version")],
)
def test_engine_commands_work(argv: tuple[str, ...]) -> None:
    done = _run(*argv)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("minor", PYTHON_MINORS)
def test_seeded_python_has_ssl_and_sqlite(minor: str) -> None:
    done = _run(
        "docker", "run", "--rm", f"python:{minor}-slim", "python", "-c", "import ssl, sqlite3; print(1)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"


def test_seeded_python_version_matches_tag() -> None:
    done = _run("docker", "run", "--rm", "python:3.12-slim", "python3", "--version")
    assert done.stdout.startswith("Python 3.12."), done.stdout + done.stderr


@pytest.mark.parametrize("image", ["debian:bookworm-slim", f"python:{ARM64_PYTHON}-slim"])
def test_arm64_variants_run_under_qemu(image: str) -> None:
    done = _run("docker", "run", "--rm", "--platform", "linux/arm64", image, "uname", "-m")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "aarch64"


def test_seeded_images_are_labelled() -> None:
    done = _run("docker", "image", "inspect", "--format", "{{json .Config.Labels}}", "postgres:15-bookworm")
    assert json.loads(done.stdout)["dev.shipyard.seeded"] == "true"


def _status(url: str, auth: str | None = None) -> int:
    headers = {"Authorization": f"Basic {base64.b64encode(auth.encode()).decode()}"} if auth else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as resp:  # noqa: S310
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_plain_registry_answers() -> None:
    assert _status(f"http://{Settings.from_env().registry}/v2/") == 200


def test_auth_registry_refuses_anonymous_and_accepts_the_credentials() -> None:
    settings = Settings.from_env()
    url = f"http://{settings.auth_registry}/v2/"
    assert _status(url) == 401
    assert _status(url, "shipyard:wrong") == 401
    credentials = settings.credentials_file.read_text(encoding="utf-8").strip()
    assert _status(url, credentials) == 200
    assert settings.credentials_file.stat().st_mode & 0o777 == 0o600


def test_multi_platform_build_resolves_offline_and_pushes(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM python:{ARM64_PYTHON}-slim\nRUN python3 -c 'print(1)'\n")
    ref = f"{Settings.from_env().registry}/shipyard-tests/multi:1"
    done = _run(
        "docker", "buildx", "build", "--platform", "linux/amd64,linux/arm64",
        "--cache-to", f"type=local,dest={tmp_path / 'cache'}", "-t", ref, "--push", str(tmp_path),
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "cache" / "index.json").exists()


def test_rerun_is_a_quick_no_op(rerun: tuple[subprocess.CompletedProcess[str], float]) -> None:
    done, seconds = rerun
    assert done.returncode == 0, done.stderr
    changed = [line for line in done.stdout.splitlines() if re.search(r": [a-z]+ in [0-9.]+ s$", line)]
    assert not changed
    assert "nothing to do" in done.stdout
    assert seconds < 20, f"warm re-run took {seconds:.1f} s"
