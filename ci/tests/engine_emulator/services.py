"""Services on the Docker Engine: `Container.asService`, `Service.start` / `stop`, and bindings.

Rules, as dagger/dagger backport-0.21 has them:
- The command (core/container.go `AsService`): args replace the image's command, after its
  entrypoint only with useEntrypoint; without args the entrypoint and the command run (the
  emulator has no withDefaultArgs, so the entrypoint is always used then); neither is "no
  service command has been set" (core/container_exec.go `ErrNoSvcCommand`).
- One instance per service per session, keyed by the service's digest (core/services.go
  `ServiceKey`); a binding of a running service reuses it.
- A service's own bindings start before it (core/service.go `startContainer`, `StartBindings`
  of `ctr.Services`). An exec starts its container's bindings (core/container_exec.go), and
  detaches after it: a service no binder holds and nobody started explicitly is then stopped
  (core/services.go `Detach`; upstream waits `DetachGracePeriod`, 10 s, first: the emulator
  stops it at once). `Service.start` keeps it up until `stop` or the session's end
  (`StopSessionServices`).
- Healthy = every port set with `withExposedPort` (not skipped) accepts a TCP connection, retried
  with exponential backoff from 100 ms up to 10 s (core/healthcheck.go `portHealthChecker`;
  backoff/v4 gives up after 15 minutes); exiting first fails: "service exited before healthcheck"
  (core/service.go). An image HEALTHCHECK would be used instead (core/service.go,
  `newDockerHealthcheck`): not emulated, an error.
- Its hostname is a hash of the service (core/service.go `Hostname`: `network.HostHash(digest)`);
  a binder reaches it by that name and by the binding's alias, which only the binder resolves
  (core/container.go `WithServiceBinding`).
- `stop` is graceful, SIGTERM then SIGKILL after `TerminateGracePeriod` (10 s), or a kill; a
  service that is not running is a no-op (core/services.go `Stop`).
- The engine runs the command under its own init (engine/engineutil/executor_spec.go
  `injectInit`, unless noInit): here docker's `--init`.
- `insecureRootCapabilities` runs it with every root capability, "similar to docker run
  --privileged" (core/schema/service.go).

On Docker: a service is a container on the session's own network under its hostname; a binder
gets `--add-host NAME:IP` for the hostname and the alias (binders keep the host's network, so a
loopback registry stays reachable: docs/dagger.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine_emulator.docker_cli import EmulatorError, docker

if TYPE_CHECKING:
    from collections.abc import Generator

    from engine_emulator.materialize import Materializer, State
    from engine_emulator.values import Port, Service

BACKOFF_START = 0.1
BACKOFF_MAX = 10.0
BACKOFF_FACTOR = 1.5
"""backoff/v4's ExponentialBackOff: the initial and maximum interval core/healthcheck.go sets, the
default multiplier."""
HEALTH_LIMIT = 15 * 60
"""backoff/v4's default MaxElapsedTime."""
TERMINATE_GRACE = 10
"""core/services.go TerminateGracePeriod, seconds."""
LOG_TAIL = 20


def command(state: State, service: Service) -> tuple[str, ...]:
    """The service's argv (core/container.go `AsService`)."""
    if not service.args and not state.cmd and not state.entrypoint:
        raise EmulatorError("no service command has been set")
    if service.args:
        use_entrypoint, argv = service.use_entrypoint, service.args
    else:
        use_entrypoint, argv = True, state.cmd
    return (*state.entrypoint, *argv) if state.entrypoint and use_entrypoint else argv


@dataclass
class Running:
    """A service's container, as long as it runs."""

    name: str
    host: str
    ip: str
    explicit: bool
    binders: int
    needs: tuple[Service, ...]
    """The services its own bindings started (held until it stops)."""


class Services:
    """The running services of one emulator session."""

    def __init__(self, run: Materializer) -> None:
        self._run = run
        self._running: dict[Service, Running] = {}
        self._starting: dict[Service, threading.Lock] = {}
        self._lock = threading.Lock()
        self._network: str | None = None

    def hostname(self, service: Service) -> str:
        """A name derived from the service's content, as the engine's is from its digest."""
        return "emu-" + hashlib.sha256(repr(service).encode()).hexdigest()[:12]

    def start(self, service: Service, *, explicit: bool) -> Running:
        """Start the service unless it runs; `explicit`: by `Service.start`, else by a binding."""
        with self._lock:
            gate = self._starting.setdefault(service, threading.Lock())
        with gate:
            with self._lock:
                running = self._running.get(service)
                if running is not None:
                    running.explicit = running.explicit or explicit
                    running.binders += 0 if explicit else 1
                    return running
            running = self._launch(service, explicit=explicit)
            with self._lock:
                self._running[service] = running
            return running

    @contextlib.contextmanager
    def bound(self, bindings: tuple[tuple[str, Service], ...]) -> Generator[list[tuple[str, str]]]:
        """The bindings' services started for one exec: (name, ip) for each hostname and alias."""
        held: list[Service] = []
        hosts: list[tuple[str, str]] = []
        try:
            for alias, service in bindings:
                running = self.start(service, explicit=False)
                held.append(service)
                hosts += [(running.host, running.ip), *([(alias, running.ip)] if alias else [])]
            yield hosts
        finally:
            for service in held:
                self.detach(service)

    def detach(self, service: Service) -> None:
        """One binder less; stop it when none is left and it was not started explicitly."""
        with self._lock:
            running = self._running.get(service)
            if running is None:
                return
            running.binders -= 1
            if running.binders > 0 or running.explicit:
                return
            del self._running[service]
        self._remove(running, kill=False)

    def stop(self, service: Service, *, kill: bool) -> None:
        """`Service.stop`: remove its container; a no-op when it is not running."""
        with self._lock:
            running = self._running.pop(service, None)
        if running is not None:
            self._remove(running, kill=kill)

    def close(self) -> None:
        """Remove the session's network (its containers are removed by label first)."""
        if self._network is not None:
            docker("network", "rm", self._network, check=False)

    def _network_name(self) -> str:
        with self._lock:
            if self._network is None:
                name = f"shipyard-emu-{self._run.session}"
                docker("network", "create", "--label", self._run.label, name)
                self._network = name
            return self._network

    def _launch(self, service: Service, *, explicit: bool) -> Running:
        state = self._run.container(service.container)
        argv = command(state, service)
        if state.healthcheck:
            raise EmulatorError("a service whose image has a HEALTHCHECK is not emulated (core/service.go)")
        needs: list[Service] = []
        hosts: list[tuple[str, str]] = []
        try:
            for alias, dependency in state.bindings:
                running = self.start(dependency, explicit=False)
                needs.append(dependency)
                hosts += [(running.host, running.ip), *([(alias, running.ip)] if alias else [])]
            return self._run_container(service, state, argv, hosts, needs, explicit=explicit)
        except BaseException:
            for dependency in needs:
                self.detach(dependency)
            raise

    def _run_container(
        self,
        service: Service,
        state: State,
        argv: tuple[str, ...],
        hosts: list[tuple[str, str]],
        needs: list[Service],
        *,
        explicit: bool,
    ) -> Running:
        host = self.hostname(service)
        network = self._network_name()
        name = f"shipyard-emu-{self._run.session}-{host}"
        flags = ["--label", self._run.label, "--network", network, "--network-alias", host]
        # engine/engineutil/executor_spec.go injectInit: an init runs the command unless noInit
        flags += ["--hostname", host, "-w", state.workdir, "--init"]
        flags += [f"--add-host={h}:{ip}" for h, ip in hosts]
        if state.platform:
            flags += ["--platform", state.platform]
        if state.user:
            flags += ["-u", state.user]
        if service.insecure_root_capabilities:
            flags.append("--privileged")
        env: dict[str, str] = {}
        for key, value in state.env:
            flags += ["-e", f"{key}={value}"]
        for key, secret in state.secret_env:
            env[key] = secret.plaintext  # through docker's environment, never its argv
            flags += ["-e", key]
        for mount in state.mounts:
            flags += self._run.mount_flags(mount)
        docker(
            "run",
            "-d",
            "--name",
            name,
            *flags,
            "--entrypoint",
            argv[0],
            self._run.image_of(state),
            *argv[1:],
            env=env,
        )
        address = "{{(index .NetworkSettings.Networks " + f'"{network}"' + ").IPAddress}}"
        ip = docker("inspect", "--format", address, name).stdout.strip()
        running = Running(name, host, ip, explicit, 0 if explicit else 1, tuple(needs))
        try:
            for port in state.ports:
                self._wait_for(running, port)
        except BaseException:
            docker("rm", "-f", name, check=False)
            raise
        return running

    @staticmethod
    def _wait_for(running: Running, port: Port) -> None:
        """core/healthcheck.go: dial the port until it accepts, while the service runs."""
        if port.skip_healthcheck:
            return
        delay, deadline = BACKOFF_START, time.monotonic() + HEALTH_LIMIT
        while True:
            with contextlib.suppress(OSError), socket.create_connection((running.ip, port.port), timeout=1):
                return
            state = docker("inspect", "--format", "{{.State.Running}}", running.name, check=False)
            if state.stdout.strip() != "true":
                logs = docker("logs", "--tail", str(LOG_TAIL), running.name, check=False)
                said = (logs.stdout + logs.stderr).strip()
                raise EmulatorError(f"service exited before healthcheck: {said[-1000:]}")
            if time.monotonic() > deadline:
                raise EmulatorError(
                    f"checking for port {port.port}/tcp: not listening after {HEALTH_LIMIT} s"
                )
            time.sleep(delay)
            delay = min(delay * BACKOFF_FACTOR, BACKOFF_MAX)

    def _remove(self, running: Running, *, kill: bool) -> None:
        if not kill:
            docker("stop", "-t", str(TERMINATE_GRACE), running.name, check=False)
        docker("rm", "-f", "--volumes", running.name, check=False)
        for dependency in running.needs:
            self.detach(dependency)
