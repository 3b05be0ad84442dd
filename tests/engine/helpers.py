"""Helpers of the engine tests: copies of the examples as git checkouts, the real CLI."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import cast

REPO = Path(__file__).resolve().parents[2]
AUTH_REGISTRY = ("127.0.0.1", 5001)
"""The engine bootstrap's htpasswd registry."""
EXAMPLES = REPO / "examples"
FAULTS_PY = EXAMPLES / "broken" / "faults.py"


def shipyard(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})},
    )


def git_init(root: Path) -> Path:
    """Make `root` a git repository whose one commit holds every file in it."""
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init"],
    ):
        subprocess.run(argv, cwd=root, check=True)
    return root


def git_copy(example: str, tmp_path: Path) -> Path:
    """A copy of an example in its own git repository (as a user's checkout would be)."""
    target = tmp_path / example
    shutil.copytree(
        EXAMPLES / example, target, ignore=shutil.ignore_patterns(".venv", "__pycache__", ".shipyard")
    )
    return git_init(target)


def summary(project: Path) -> dict[str, dict[str, object]]:
    """Stage id → stage entry of the run's summary.json."""
    data = json.loads((project / ".shipyard" / "out" / "summary.json").read_text())
    return {stage["id"]: stage for stage in data["stages"]}


def cosign_binary(directory: Path) -> Path:
    """The cosign executable copied out of the pinned cosign image (seeded stand-in here)."""
    from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES  # noqa: PLC0415 - only these tests need it

    image = DEFAULT_TOOL_IMAGES["cosign"]
    holder = subprocess.run(
        ["docker", "create", "--entrypoint", "/none", image.tagged],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        subprocess.run(["docker", "cp", f"{holder}:{image.binary}", str(directory / "cosign")], check=True)
    finally:
        subprocess.run(["docker", "rm", "-f", holder], capture_output=True, check=False)
    return directory / "cosign"


class RegistryProxy:
    """A TCP proxy in front of the auth registry that can go down after N blob-upload requests."""

    def __init__(self, upstream: tuple[str, int] = AUTH_REGISTRY) -> None:
        self.upstream = upstream
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.cut_after: int | None = None
        self.uploads = 0
        self.cut = threading.Event()
        self._sockets: list[socket.socket] = []
        self._server: socket.socket | None = None

    def up(self, cut_after: int | None = None) -> None:
        """Listen (again), passing everything through until `cut_after` upload requests went by."""
        self.cut_after, self.uploads = cut_after, 0
        self.cut.clear()
        self._server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def down(self) -> None:
        """Stop listening and drop every connection: the registry is gone."""
        self.cut.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def _accept(self, server: socket.socket) -> None:
        while not self.cut.is_set():
            try:
                client, _ = server.accept()
                upstream = socket.create_connection(self.upstream)
            except OSError:
                return
            self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, target: socket.socket, counting: bool) -> None:  # noqa: FBT001
        try:
            while data := source.recv(65536):
                if counting and self.cut_after is not None:
                    self.uploads += data.count(b"/blobs/uploads/")
                    if self.uploads >= self.cut_after:
                        self.down()
                        return
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def fake_aws_key() -> str:
    """examples/broken's made-up AWS key id (built at run time: no file here holds one)."""
    spec = importlib.util.spec_from_file_location("broken_faults", FAULTS_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return str(module.fake_aws_access_key_id())


@dataclass(frozen=True)
class Listed:
    """One line of `faults.py list`."""

    name: str
    stage: str
    names: str
    """What the failing gate's message must name."""


def listed_faults() -> dict[str, Listed]:
    """The faults as `faults.py list` prints them (fixed-width columns under a header)."""
    out = subprocess.run(
        [sys.executable, str(FAULTS_PY), "list"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    header = out[0]
    cut = [header.index(word) for word in ("stage", "message names", "description")]
    faults = [
        Listed(line[: cut[0]].strip(), line[cut[0] : cut[1]].strip(), line[cut[1] : cut[2]].strip())
        for line in out[1:]
    ]
    return {fault.name: fault for fault in faults}


FAULTS = listed_faults()
"""examples/broken's faults, by name."""
STAGES_FOR: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # fault: (what `shipyard run` is given, the stage(s) whose gate the fault must fail)
    "lint": (("lint",), ("lint",)),
    "failing-test": (("test", "--python", "3.12"), ("test-3.12",)),
    "coverage": (("test", "--python", "3.12"), ("test-3.12",)),
    "secret": (("scan",), ("scan-history",)),
    "vulnerable": (("scan",), ("scan-source", "scan-image")),
    "root": (("scan",), ("scan-source",)),
    "unhealthy": (("compose",), ("compose",)),
}
NEEDS_DB = {"vulnerable"}
"""Faults only trivy's vulnerability DB finds: this machine cannot have one."""


def broken_with(fault: str | None, tmp_path: Path) -> Path:
    """A git copy of examples/broken with `fault` (or nothing) enabled."""
    project = git_copy("broken", tmp_path)
    if fault is not None:
        enable_fault(project, fault)
    return project


def enable_fault(project: Path, fault: str) -> None:
    """`faults.py enable FAULT` in a copy of examples/broken."""
    subprocess.run(
        [sys.executable, str(FAULTS_PY), "enable", fault, str(project)], check=True, capture_output=True
    )


def stage_message(stage: dict[str, object]) -> str:
    """A stage entry of summary.json as its gate's message: the summary, then each detail."""
    details = cast("list[object]", stage.get("details") or [])
    return "\n".join([str(stage["summary"]), *map(str, details)])


def new_run_id() -> str:
    """A run id of our own, so leftovers of this test can be told from other runs on the engine."""
    return "t" + uuid.uuid4().hex[:10]


def leftovers(run_id: str) -> list[str]:
    """Containers and networks with the run's label; containers, networks, volumes of its compose projects."""
    found: list[str] = []
    for kind in ("container", "network", "volume"):
        listed = subprocess.run(
            ["docker", kind, "ls", *(["--all"] if kind == "container" else []), "--format", "{{.Labels}}"],
            capture_output=True,
            text=True,
            check=True,
        )
        found += [
            f"{kind}: {line[:120]}"
            for line in listed.stdout.splitlines()
            if f"dev.shipyard.run={run_id}" in line or f"com.docker.compose.project=shipyard-{run_id}" in line
        ]
    return found
