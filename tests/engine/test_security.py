"""Security properties on a real engine: secrets stay secret, stage containers are unprivileged,
tool images are pinned by digest.

- A publish with a registry password, a cosign key and its password (one linux/amd64 run of a copy
  of examples/broken to the local htpasswd registry) never shows a secret value in any process's
  argv while it runs (every /proc/*/cmdline sampled), the CLI's output, any report or log, nor in
  the built image (every layer and the config of a `docker save`, and its labels).
- A running stage container is not privileged, adds no capability, shares neither the host's
  network, pid nor ipc namespace, and has no docker socket mounted.
- Every tool image of the full plan (examples/webapp and this repository) is `repo:tag@sha256:…`;
  the Python base images are the configured `python:{version}-slim`: the user's choice (config
  `python_image`), deliberately not pinned by shipyard.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any, Self

import pytest

from shipyard.session import Selection, open_session
from shipyard.stages.spec import BuildStep, ContainerStep
from tests.engine.helpers import REPO, cosign_binary, git_copy, shipyard

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.timeout(1800)]

REGISTRY = "127.0.0.1:5001"
CREDENTIALS_FILE = Path("/var/lib/shipyard-engine/registry-auth.credentials")
COSIGN_IMAGE = "ghcr.io/sigstore/cosign/cosign:v2.5.0"
GZIP_MAGIC = b"\x1f\x8b"
PINNED = re.compile(r"^[a-z0-9.\-/:]+:[\w.\-]+@sha256:[0-9a-f]{64}$")


class ArgvSampler:
    """Samples every process's command line until stopped; remembers the ones holding a secret."""

    def __init__(self, values: list[str]) -> None:
        self.values = [v.encode() for v in values]
        self.hits: list[str] = []
        self.samples = 0
        self.processes: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        me = str(os.getpid())
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit() or proc.name == me:
                    continue
                try:
                    argv = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                program = argv.split(b"\0", 1)[0].decode(errors="replace")
                self.processes.add(program)
                self.hits += [f"pid {proc.name}: {program}" for value in self.values if value in argv]
            self.samples += 1
            time.sleep(0.05)


def _cosign_key_pair(directory: Path, password: str) -> str:
    subprocess.run(
        [str(cosign_binary(directory)), "generate-key-pair"],
        cwd=directory,
        env={"COSIGN_PASSWORD": password, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=True,
    )
    return (directory / "cosign.key").read_text()


def _commit_all(project: Path, message: str) -> None:
    for argv in (
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", message],
    ):
        subprocess.run(argv, cwd=project, check=True)


class Published:
    """The publish run and every secret value it was given."""

    def __init__(self, project: Path, done: subprocess.CompletedProcess[str], sampler: ArgvSampler) -> None:
        self.project = project
        self.done = done
        self.sampler = sampler
        self.values: list[str] = []
        self.image = ""


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    try:
        user, _, password = CREDENTIALS_FILE.read_text().strip().partition(":")
    except OSError as exc:
        pytest.skip(f"no credentials of the auth registry: {exc} (run the engine bootstrap as root)")
    key_password = "keypw-" + secrets.token_hex(8)
    key_pem = _cosign_key_pair(tmp_path_factory.mktemp("keys"), key_password)
    project = git_copy("broken", tmp_path_factory.mktemp("security"))
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace(
        'name = "ghcr.io/shipyard-examples/broken"',
        f'name = "{REGISTRY}/shipyard-security/broken-{secrets.token_hex(4)}"',
    )
    pyproject.write_text(text + "\n[tool.shipyard.scan]\ntrivy = false\n")
    _commit_all(project, "publish to the local registry")
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    key_lines = [line for line in key_pem.splitlines() if line and not line.startswith("-----")]
    values = [password, auth, key_password, *key_lines]
    env = {
        "SHIPYARD_REGISTRY_USERNAME": user,
        "SHIPYARD_REGISTRY_PASSWORD": password,
        "COSIGN_KEY": key_pem,
        "COSIGN_PASSWORD": key_password,
    }
    with ArgvSampler(values) as sampler:
        done = shipyard(
            "run",
            "--source",
            str(project),
            "publish",
            "--platform",
            "linux/amd64",
            "--python",
            "3.12",
            env=env,
        )
    result = Published(project, done, sampler)
    result.values = values
    build = open_session(project, Selection(names=("build-linux-amd64",), platforms=("linux/amd64",)))
    action = build.plan.get("build-linux-amd64").action
    assert isinstance(action, BuildStep)
    result.image = action.tag
    return result


def test_publish_succeeded(published: Published) -> None:
    assert published.done.returncode == 0, published.done.stderr[-3000:]
    data = json.loads((published.project / ".shipyard/out/publish/publish.json").read_text())
    assert data["signed"] is True


def test_no_secret_in_any_argv_while_publishing(published: Published) -> None:
    assert published.sampler.samples > 20, "the sampler did not run during the publish"
    assert any("cosign" in p for p in published.sampler.processes), "cosign was never seen running"
    assert published.sampler.hits == []


def test_no_secret_in_output_reports_or_logs(published: Published) -> None:
    out = published.project / ".shipyard"
    leaks = [
        (str(path.relative_to(out)), value[:4] + "…")
        for path in out.rglob("*")
        if path.is_file()
        for value in published.values
        if value.encode() in path.read_bytes()
    ]
    assert leaks == []
    console = published.done.stdout + published.done.stderr
    assert [v[:4] for v in published.values if v in console] == []


def test_no_secret_in_image_layers_config_or_labels(published: Published) -> None:
    saved = subprocess.run(["docker", "save", published.image], capture_output=True, check=True).stdout
    checked = 0
    leaks: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            content = handle.read()
            if content[:2] == GZIP_MAGIC:
                content = gzip.decompress(content)
            checked += 1
            leaks += [f"{member.name}: {v[:4]}…" for v in published.values if v.encode() in content]
            if member.name.endswith(".tar") or content[257:262] == b"ustar":
                with tarfile.open(fileobj=io.BytesIO(content)) as layer:
                    for entry in layer.getmembers():
                        data = layer.extractfile(entry) if entry.isfile() else None
                        if data is not None:
                            blob = data.read()
                            leaks += [
                                f"{member.name}:{entry.name}: {v[:4]}…"
                                for v in published.values
                                if v.encode() in blob
                            ]
    assert checked > 3, "docker save gave no layers"
    assert leaks == []
    labels = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", published.image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert [v[:4] for v in published.values if v in labels] == []


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
