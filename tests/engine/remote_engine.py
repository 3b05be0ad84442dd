"""A second Docker Engine that shares nothing with the client but a TCP port: the remote-engine tests' host.

dockerd runs in a network namespace of its own (a veth pair, 10.213.N.1 here and 10.213.N.2
there) and a mount namespace of its own in which the temporary directory and the repository are
empty tmpfs mounts: a path of the client's is not there to bind-mount. It has its own data root
(a tmpfs in its mount namespace), exec root (so its own managed containerd), pid file and bridge
(inside its namespace, so neither docker0 nor the main engine's networks are touched), and
listens only on plain TCP at 10.213.N.2:2375 — unencrypted, acceptable on a private veth for a
test, never elsewhere.

It has no registry: the images a run needs are copied from the main engine with `docker save |
docker load`. Its containers reach PyPI (uv installs) through a NAT rule for its /30 only; every
rule it adds is deleted again by `stop`, which also stops the daemon and removes its state.
Started with the bootstrap's own daemon helpers (shipyard.bootstrap.procs).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import docker
import docker.errors
import requests.exceptions

from shipyard.bootstrap.procs import read_pid, spawn_daemon, stop
from shipyard.bootstrap.run import run

PORT = 2375
STATE = Path("/var/lib/shipyard-remote-engines")
EXEC = Path("/run/shipyard-remote-engines")
DATA_SIZE = "8g"
"""The data root is a tmpfs of the engine's mount namespace: gone with it, nothing to delete (a run
of the remote test fills about 2.6 GB)."""
NEEDED = ("ip", "nsenter", "unshare", "dockerd", "iptables")


def missing_tools() -> list[str]:
    """What this machine lacks to start one (root and the tools)."""
    lacking = [tool for tool in NEEDED if shutil.which(tool) is None]
    return [*lacking, "root"] if os.geteuid() != 0 else lacking


def _free_octet() -> int:
    taken = run(["ip", "-4", "route", "show"]) + run(["ip", "-4", "addr", "show"])
    for _ in range(200):
        octet = 100 + secrets.randbelow(150)
        if f"10.213.{octet}." not in taken:
            return octet
    msg = "no free 10.213.N.0/30 subnet"
    raise RuntimeError(msg)


@dataclass
class RemoteEngine:
    """One second dockerd; `start` then `stop` (always: the fixture's finalizer)."""

    hidden: tuple[Path, ...]
    """Client directories that are empty in the engine's mount namespace."""
    name: str = field(default_factory=lambda: f"sy{secrets.token_hex(3)}")
    octet: int = field(default_factory=_free_octet)
    pid: int | None = None
    _rules: list[list[str]] = field(default_factory=list[list[str]])

    @property
    def address(self) -> str:
        """The engine's address on the veth."""
        return f"10.213.{self.octet}.2"

    @property
    def host(self) -> str:
        """DOCKER_HOST for it."""
        return f"tcp://{self.address}:{PORT}"

    @property
    def state(self) -> Path:
        return STATE / self.name

    @property
    def log(self) -> Path:
        return self.state / "dockerd.log"

    def start(self, seconds: float = 90) -> None:
        """Namespaces, veth, NAT for the /30, then dockerd; wait until it answers."""
        ns, here, there = self.name, f"{self.name}h", f"{self.name}e"
        net = f"10.213.{self.octet}"
        if Path("/proc/sys/net/ipv4/ip_forward").read_text(encoding="utf-8").strip() != "1":
            msg = "IPv4 forwarding is off here (the main dockerd turns it on): the engine would reach no PyPI"
            raise RuntimeError(msg)
        self.state.mkdir(parents=True, exist_ok=True)
        self._record()
        run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", here, "type", "veth", "peer", "name", there])
        run(["ip", "link", "set", there, "netns", ns])
        run(["ip", "addr", "add", f"{net}.1/30", "dev", here])
        run(["ip", "link", "set", here, "up"])
        inside = ["ip", "netns", "exec", ns]
        run([*inside, "ip", "addr", "add", f"{net}.2/30", "dev", there])
        run([*inside, "ip", "link", "set", there, "up"])
        run([*inside, "ip", "link", "set", "lo", "up"])
        run([*inside, "ip", "route", "add", "default", "via", f"{net}.1"])
        replies = ["-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED"]
        for table, rule in (
            ("filter", ["FORWARD", "-i", here, "-j", "ACCEPT"]),
            ("filter", ["FORWARD", "-o", here, *replies, "-j", "ACCEPT"]),
            ("nat", ["POSTROUTING", "-s", f"{net}.0/30", "!", "-o", here, "-j", "MASQUERADE"]),
        ):
            run(["iptables", "-t", table, "-I", *rule[:1], "1", *rule[1:]])
            self._rules.append(["iptables", "-t", table, "-D", *rule])
            self._record()
        (EXEC / self.name).mkdir(parents=True, exist_ok=True)
        config = self.state / "daemon.json"
        config.write_text(json.dumps({"features": {"containerd-snapshotter": True}}), encoding="utf-8")
        hide = " ".join(f"'{p}'" for p in self.hidden)
        dockerd = [
            "dockerd",
            f"--config-file={config}",
            f"--data-root={self.state / 'data'}",
            f"--exec-root={EXEC / self.name / 'exec'}",
            f"--pidfile={EXEC / self.name / 'dockerd.pid'}",
            f"--host={self.host}",
            "--tls=false",  # says plain TCP is meant (dockerd waits 15 s otherwise)
        ]
        data = self.state / "data"
        data.mkdir(exist_ok=True)
        script = (
            f'for d in {hide}; do [ -d "$d" ] && mount -t tmpfs tmpfs "$d"; done; '
            f"mount -t tmpfs -o size={DATA_SIZE},mode=0710 tmpfs '{data}' && exec {' '.join(dockerd)}"
        )
        namespaces = ["nsenter", f"--net=/run/netns/{ns}", "unshare", "--mount", "--propagation", "private"]
        self.pid = spawn_daemon(
            [*namespaces, "sh", "-c", script], log=self.log, pid_file=self.state / "spawn.pid"
        )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.answers():
                return
            time.sleep(0.5)
        msg = f"the remote dockerd did not answer within {seconds:.0f} s: {self.log_tail()}"
        raise RuntimeError(msg)

    def _record(self) -> None:
        """What `sweep_stale` needs to undo this engine should the test process die before `stop`."""
        facts = {"octet": self.octet, "rules": self._rules}
        (self.state / "engine.json").write_text(json.dumps(facts), encoding="utf-8")

    @classmethod
    def sweep_stale(cls) -> None:
        """Undo engines whose test process died before its finalizer (a killed CI job); never a live one."""
        for state in sorted(STATE.glob("sy*")) if STATE.is_dir() else ():
            if read_pid(state / "spawn.pid") is not None:
                continue  # a dockerd still runs: another session's engine
            with contextlib.suppress(OSError, ValueError, KeyError):
                facts = json.loads((state / "engine.json").read_text(encoding="utf-8"))
                cls(hidden=(), name=state.name, octet=int(facts["octet"]), _rules=list(facts["rules"])).stop()

    def answers(self) -> bool:
        """Whether `docker info` on it succeeds."""
        done = subprocess.run(
            ["docker", "-H", self.host, "info", "--format", "{{.ID}}"],
            capture_output=True,
            check=False,
            timeout=20,
        )
        return done.returncode == 0

    def log_tail(self) -> str:
        """The end of the daemon's log."""
        with contextlib.suppress(OSError):
            return " | ".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:])
        return "no log"

    def seed(self, images: tuple[str, ...]) -> None:
        """`docker save` of `images` from the main engine, `docker load` into this one (one stream)."""
        with subprocess.Popen(["docker", "save", *images], stdout=subprocess.PIPE) as save:
            loaded = subprocess.run(
                ["docker", "-H", self.host, "load", "--quiet"],
                stdin=save.stdout,
                capture_output=True,
                check=False,
                timeout=600,
            )
        if save.returncode != 0 or loaded.returncode != 0:
            msg = f"seeding the remote engine failed: {loaded.stderr.decode(errors='replace')[-500:]}"
            raise RuntimeError(msg)

    def sees(self, path: Path) -> bool:
        """Whether `path` exists in the engine's mount namespace."""
        assert self.pid is not None
        return (
            subprocess.run(
                ["nsenter", "-t", str(self.pid), "-m", "test", "-e", str(path)], check=False
            ).returncode
            == 0
        )

    def data_used(self) -> str:
        """How much of its data root (a tmpfs) is used, as df prints it."""
        assert self.pid is not None
        done = subprocess.run(
            ["nsenter", "-t", str(self.pid), "-m", "df", "-h", "--output=used", str(self.state / "data")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return done.stdout.split()[-1] if done.stdout.split() else "unknown"

    def stop(self) -> None:
        """Stop the daemon and whatever runs in its namespace; delete the rules, the veth, the state."""
        if self.pid is not None:
            stop(self.pid, grace=30)
        pids = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True, check=False)
        for pid in pids.stdout.split():  # only what runs in our own namespace: shims, stray containers
            stop(int(pid), grace=5)
        for rule in self._rules:
            subprocess.run(rule, capture_output=True, check=False)
        self._rules.clear()
        subprocess.run(["ip", "link", "del", f"{self.name}h"], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        shutil.rmtree(self.state, ignore_errors=True)
        shutil.rmtree(EXEC / self.name, ignore_errors=True)


@dataclass(frozen=True)
class Created:
    """One container the engine created, as inspected right after its create event."""

    id: str
    name: str
    stage: str
    binds: tuple[str, ...]
    """Paths of the engine's host it mounts: HostConfig.Binds with a path as source, bind-type Mounts."""
    volumes: tuple[str, ...]
    """Named volumes it mounts (engine-side storage)."""


class CreationWatch:
    """Inspects every container the engine creates while it runs (a thread on the events stream)."""

    def __init__(self, host: str) -> None:
        self._client: Any = docker.DockerClient(base_url=host, timeout=60)
        self.created: list[Created] = []
        self.gone: list[str] = []
        """Containers removed before they could be inspected (ids)."""
        self._events: Any = None
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Self:
        self._events = self._client.events(decode=True, filters={"type": "container", "event": "create"})
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        time.sleep(1)  # the last events of the run reach the thread
        with contextlib.suppress(Exception):
            self._events.close()
        self._thread.join(timeout=10)
        self._client.close()

    def _watch(self) -> None:
        with contextlib.suppress(requests.exceptions.RequestException, OSError, AttributeError, ValueError):
            for event in self._events:
                container_id = str(event.get("id", ""))
                try:
                    attrs: dict[str, Any] = self._client.api.inspect_container(container_id)
                except docker.errors.NotFound:
                    self.gone.append(container_id)
                    continue
                host_config: dict[str, Any] = attrs.get("HostConfig") or {}
                mounts: list[dict[str, Any]] = attrs.get("Mounts") or []
                config: dict[str, Any] = attrs.get("Config") or {}
                labels: dict[str, str] = config.get("Labels") or {}
                self.created.append(
                    Created(
                        id=container_id,
                        name=str(attrs.get("Name", "")).lstrip("/"),
                        stage=labels.get("dev.shipyard.stage")
                        or labels.get("com.docker.compose.service", ""),
                        binds=(
                            *(str(b) for b in host_config.get("Binds") or () if str(b).startswith("/")),
                            *(str(m.get("Source")) for m in mounts if m.get("Type") == "bind"),
                        ),
                        volumes=tuple(str(m.get("Name")) for m in mounts if m.get("Type") == "volume"),
                    )
                )


def scratch_dirs() -> tuple[Path, ...]:
    """The client directories a test's projects live under (hidden from the engine)."""
    return (Path(tempfile.gettempdir()).resolve(),)
