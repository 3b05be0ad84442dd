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

from shipyard.bootstrap.base_images import ARM64_PYTHON, ARM64_PYTHONS, PYTHON_MINORS
from shipyard.bootstrap.docker_images import CLI as DOCKER_CLI
from shipyard.bootstrap.docker_images import DIND as DOCKER_DIND
from shipyard.bootstrap.images import RECIPE, RECIPE_LABEL, is_present
from shipyard.bootstrap.rootfs import FORKY_PYTHON_MINORS
from shipyard.bootstrap.seed_tools import STAND_IN_LABEL, tool_recipe
from shipyard.bootstrap.settings import Settings
from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES, SEEDED_LABEL

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


@pytest.mark.parametrize("image", ["debian:bookworm-slim", *(f"python:{m}-slim" for m in ARM64_PYTHONS)])
def test_arm64_variants_run_under_qemu(image: str) -> None:
    done = _run("docker", "run", "--rm", "--platform", "linux/arm64", image, "uname", "-m")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "aarch64"


@pytest.mark.parametrize("platform", ["linux/amd64", "linux/arm64"])
@pytest.mark.parametrize("minor", FORKY_PYTHON_MINORS)
def test_forky_pythons_have_the_official_images_names(minor: str, platform: str) -> None:
    """python, python3, python3.X and pip in /usr/local/bin, all of version X, pip usable outside a venv.

    pip's dry-run install is checked natively only: under qemu it costs half a minute and shows
    nothing the amd64 image's does not (the same Debian packages, the same seeding script).
    """
    dry_run = " && pip install -q --dry-run --no-index --root-user-action=ignore pip"
    script = (
        f"for n in python python3 python{minor} pip pip3 pip{minor}; do command -v $n; done"
        " && python -c 'import platform; print(platform.python_version())'"
        f" && pip --version{dry_run if platform == 'linux/amd64' else ''}"
    )
    image = f"python:{minor}-slim"
    done = _run("docker", "run", "--rm", "--platform", platform, image, "sh", "-c", script, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[:6] == [
        f"/usr/local/bin/{n}" for n in ("python", "python3", f"python{minor}", "pip", "pip3", f"pip{minor}")
    ]
    assert lines[6].startswith(f"{minor}."), lines
    assert f"(python {minor})" in lines[7]
    env = _run("docker", "image", "inspect", "--format", "{{json .Config.Env}}", image)
    assert f"PYTHON_VERSION={lines[6]}" in json.loads(env.stdout)


def test_seeded_images_are_labelled() -> None:
    done = _run("docker", "image", "inspect", "--format", "{{json .Config.Labels}}", "postgres:15-bookworm")
    assert json.loads(done.stdout)["dev.shipyard.seeded"] == "true"


def _labels(image: str) -> dict[str, str]:
    done = _run("docker", "image", "inspect", "--format", "{{json .Config.Labels}}", image)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) or {}


@pytest.mark.parametrize(
    "image",
    [
        "debian:bookworm",
        "postgres:15-bookworm",
        *(f"python:{minor}-slim" for minor in PYTHON_MINORS),
        DOCKER_CLI,
        DOCKER_DIND,
    ],
)
def test_every_seeded_image_carries_the_current_recipe(image: str) -> None:
    assert _labels(image).get(RECIPE_LABEL) == RECIPE


@pytest.mark.parametrize("name", sorted(DEFAULT_TOOL_IMAGES))
def test_every_seeded_tool_image_carries_its_own_recipe(name: str) -> None:
    """A tool image whose recipe moved on (uv: /uvx) re-seeds alone, not every image."""
    assert _labels(DEFAULT_TOOL_IMAGES[name].tagged).get(RECIPE_LABEL) == tool_recipe(name)


def test_the_docker_stand_ins_say_which_docker_they_run_and_have_compose_v2() -> None:
    """No Docker 27 here: the module's docker:27-* images are Debian trixie's 26.1.5, labelled so."""
    for image in (DOCKER_CLI, DOCKER_DIND):
        assert _labels(image).get(STAND_IN_LABEL) == "26.1.5", image
    done = _run("docker", "run", "--rm", DOCKER_CLI, "docker", "compose", "version", "--short")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2."), done.stdout
    done = _run("docker", "run", "--rm", DOCKER_DIND, "dockerd", "--version")
    assert "26.1.5" in done.stdout, done.stdout + done.stderr


def test_the_seeded_uv_image_has_uvx_beside_uv_as_upstreams_does() -> None:
    uv = DEFAULT_TOOL_IMAGES["uv"]
    done = _run("docker", "run", "--rm", "--entrypoint", "/uvx", uv.tagged, "--version")
    assert done.returncode == 0, done.stderr
    assert uv.tag in done.stdout, done.stdout


def test_an_image_seeded_by_an_older_recipe_is_not_present(tmp_path: Path) -> None:
    """What makes an upgraded bootstrap re-seed: an older (or missing) recipe label means "absent"."""
    settings = Settings(tmp_path, 5000, 5001, "http://deb.debian.org/debian")
    for recipe, expected in (("1", False), (RECIPE, True)):
        name = f"shipyard-tests/old-seed:{recipe}"
        (tmp_path / "Dockerfile").write_text(f"FROM debian:bookworm-slim\nLABEL {RECIPE_LABEL}={recipe}\n")
        built = _run("docker", "build", "-q", "-t", name, str(tmp_path), timeout=120)
        assert built.returncode == 0, built.stderr
        image_id = _run("docker", "image", "inspect", "--format", "{{.Id}}", name).stdout.strip()
        stamp = tmp_path / "images" / (name.replace("/", "_").replace(":", "__") + ".id")
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(image_id + "\n", encoding="utf-8")
        assert is_present(settings, name, mirror=False) is expected
        _run("docker", "rmi", name)


@pytest.mark.parametrize("minor", PYTHON_MINORS)
def test_pip_in_a_venv_trusts_the_machines_cas(minor: str) -> None:
    """pip < 24.2 (3.10: 23.0.1, 3.12: 23.2.1) uses certifi unless PIP_CERT says otherwise."""
    script = "python -m venv /v && /v/bin/pip install -q --disable-pip-version-check flit_core"
    done = _run("docker", "run", "--rm", f"python:{minor}-slim", "sh", "-c", script, timeout=300)
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2000:]
    env = _run("docker", "image", "inspect", "--format", "{{json .Config.Env}}", f"python:{minor}-slim")
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    for var in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"):
        assert f"{var}={bundle}" in json.loads(env.stdout)


def test_arm64_python_runs_the_webapp_runtime_steps() -> None:
    """examples/webapp's runtime stage under linux/arm64: groupadd/useradd, python3.11 with ssl/sqlite3."""
    script = (
        "groupadd --system --gid 10001 app"
        " && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app"
        " && mkdir -p /opt/venv && chown root:root /opt/venv && id app"
        " && python3.11 -c 'import ssl, sqlite3, platform; print(platform.machine())'"
        " && dpkg --audit"
    )
    image = f"python:{ARM64_PYTHON}-slim"
    done = _run("docker", "run", "--rm", "--platform", "linux/arm64", image, "sh", "-c", script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "aarch64"


def test_gitleaks_stand_in_finds_a_committed_key(tmp_path: Path) -> None:
    tool = DEFAULT_TOOL_IMAGES["gitleaks"]
    labels = _labels(tool.tagged)
    assert labels[SEEDED_LABEL] == tool.pinned
    stand_in = labels.get(STAND_IN_LABEL)  # Debian's build prints no version: the label tells
    assert stand_in is None or re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", stand_in), stand_in
    for entrypoint, arg in ((tool.binary, "help"), ("git", "--version")):
        done = _run("docker", "run", "--rm", "--entrypoint", entrypoint, tool.tagged, arg)
        assert done.returncode == 0, done.stderr
    repo = tmp_path / "repo"
    repo.mkdir()
    key = "AKIA" + "QYLPMN5HHHFPZAM2"  # built at run time: no detectable key is committed here
    (repo / "config.py").write_text(f'aws_access_key_id = "{key}"\n', encoding="utf-8")
    git = ("git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid")
    for argv in (("init", "-q"), ("add", "."), ("commit", "-q", "-m", "add config")):
        assert _run(*git, *argv).returncode == 0
    report = "/tmp/r.json"  # noqa: S108 - a path inside the container
    done = _run(
        "docker", "run", "--rm", "-v", f"{repo}:/src", tool.tagged, "detect", "--source", "/src",
        "--no-banner", "--redact", "--report-format", "json", "--report-path", report,
        "--exit-code", "1",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "leaks found: 1" in done.stdout + done.stderr


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
