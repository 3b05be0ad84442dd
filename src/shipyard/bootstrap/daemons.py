"""dockerd without systemd: daemon.json, qemu binfmt handlers, start, wait until it answers."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from shipyard.bootstrap.procs import read_pid, spawn_daemon, stop
from shipyard.bootstrap.run import run, succeeds
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings

DAEMON_JSON = Path("/etc/docker/daemon.json")
BINFMT = Path("/proc/sys/fs/binfmt_misc")


@dataclass
class Started:
    """Daemons this run started: stopped again if a later step fails."""

    pids: list[int] = field(default_factory=list[int])

    def stop_all(self) -> None:
        """Stop every daemon this run started, newest first."""
        for pid in reversed(self.pids):
            stop(pid)
        self.pids.clear()


def wanted_daemon_config(settings: Settings) -> dict[str, object]:
    """The keys the bootstrap sets in daemon.json (see docs/engine.md for why)."""
    return {
        "features": {"containerd-snapshotter": True},
        "registry-mirrors": [f"http://{settings.registry}"],
        "insecure-registries": [settings.registry, settings.auth_registry],
    }


def ensure_daemon_json(settings: Settings) -> bool:
    """Merge our keys into /etc/docker/daemon.json; return whether the file changed."""
    current: dict[str, object] = {}
    if DAEMON_JSON.exists():
        try:
            current = cast("dict[str, object]", json.loads(DAEMON_JSON.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise BootstrapError(
                f"{DAEMON_JSON} is not valid JSON: {exc}", fix=f"fix or remove {DAEMON_JSON}"
            ) from exc
    merged = {**current, **wanted_daemon_config(settings)}
    if merged == current:
        return False
    DAEMON_JSON.parent.mkdir(parents=True, exist_ok=True)
    DAEMON_JSON.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return True


def ensure_binfmt(report: Report) -> None:
    """Register qemu's binfmt handlers so linux/arm64 containers and debootstraps run."""
    if (BINFMT / "qemu-aarch64").exists():
        report.present("binfmt qemu-aarch64")
        return
    with report.step("binfmt qemu-aarch64", "enabled"):
        if not (BINFMT / "register").exists():
            run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)])
        run(["update-binfmts", "--enable", "qemu-aarch64"])


def docker_answers() -> bool:
    """Whether `docker info` succeeds."""
    return succeeds(["docker", "info"], timeout=20)


def _wait_for_docker(log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if docker_answers():
            return
        time.sleep(0.5)
    raise BootstrapError(f"dockerd did not answer within {seconds:.0f} s", fix=f"read {log}")


def ensure_dockerd(settings: Settings, started: Started, report: Report) -> None:
    """Start dockerd in its own session unless it runs with our daemon.json already."""
    changed = ensure_daemon_json(settings)
    pid_file = settings.state_dir / "dockerd.pid"
    log = settings.state_dir / "dockerd.log"
    if docker_answers() and not changed:
        report.present("dockerd")
        return
    with report.step("dockerd", "started"):
        if changed and (old := read_pid(pid_file)) is not None:
            stop(old, grace=30)
        elif changed and docker_answers():
            raise BootstrapError(
                "a dockerd not started by shipyard is running, and daemon.json changed",
                fix="restart that dockerd so it reads /etc/docker/daemon.json, then re-run the bootstrap",
            )
        started.pids.append(spawn_daemon(["dockerd"], log=log, pid_file=pid_file))
        _wait_for_docker(log)
    version = run(["docker", "version", "--format", "{{.Server.Version}}"]).strip()
    report.line("dockerd", f"version {version}, log {log}")
