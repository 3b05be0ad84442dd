"""Run a ComposeStep: `docker compose up --wait` with the built image, probes, then `down -v` always.

Each run gets its own compose project name, so two runs never share containers, networks or
volumes. The built image is injected by an override file (never pushed anywhere); every service is
labelled with the run id so an interrupted run can be found and removed.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe
from shipyard.docker.container_step import RUN_LABEL
from shipyard.stages.compose import HEALTH_JSON, probe_label
from shipyard.stages.outcome import CommandOutcome, StageOutcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.executor import StepContext
    from shipyard.stages.spec import ComposeStep, Stage

LOGS_TXT = "compose-logs.txt"
OUTPUT_LIMIT = 4000


@dataclass
class Health:
    """What the compose stage found: per service state and health, per probe result, problems."""

    project: str
    services: dict[str, dict[str, str]] = field(default_factory=dict[str, dict[str, str]])
    probes: list[dict[str, object]] = field(default_factory=list[dict[str, object]])
    problems: list[str] = field(default_factory=list[str])


def project_name(run_id: str, stage_id: str) -> str:
    """A compose project name unique to this run and stage."""
    return re.sub(r"[^a-z0-9_-]", "-", f"shipyard-{run_id}-{stage_id}".lower())


class ComposeRunner:
    """Brings stacks up and down for one pipeline run; remembers them for cleanup."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.projects: list[tuple[str, list[str]]] = []

    def run(self, stage: Stage, step: ComposeStep, context: StepContext) -> StageOutcome:
        """Up, wait, probe, collect, down."""
        name = project_name(self.run_id, stage.id)
        health = Health(project=name)
        log_path = context.out_dir / "log.txt"
        with (
            log_path.open("a", encoding="utf-8") as log,
            tempfile.TemporaryDirectory(prefix="shipyard-compose-") as tmp,
        ):

            def emit(line: str) -> None:
                log.write(line + "\n")
                context.log(line)

            files = ["-f", str(context.root / step.file)]
            base = ["docker", "compose", "-p", name, "--project-directory", str(context.root)]
            parsed = _run([*base, *files, "config", "--format", "json"], emit)
            if parsed.returncode != 0:
                return _error(stage, context, f"{step.file} does not parse: {_last(parsed.stdout)}", health)
            services = sorted(cast("dict[str, Any]", json.loads(parsed.stdout)).get("services", {}))
            if step.service and step.service not in services:
                return _error(
                    stage,
                    context,
                    f"service {step.service!r} is not in {step.file} (it has: {', '.join(services)}); "
                    "fix [tool.shipyard.compose] service",
                    health,
                )
            override = Path(tmp) / "shipyard.override.json"
            override.write_text(json.dumps(self._override(step, context, services)), encoding="utf-8")
            files += ["-f", str(override)]
            self.projects.append((name, [*base, *files]))
            try:
                up = _run(
                    [
                        *base,
                        *files,
                        "up",
                        "--detach",
                        "--wait",
                        "--wait-timeout",
                        str(int(step.timeout)),
                        "--no-build",
                        "--pull",
                        "never",
                    ],
                    emit,
                    timeout=step.timeout + 60,
                )
                _inspect(base, files, health, emit)
                if up.returncode != 0:
                    health.problems.insert(0, _up_problem(up.stdout, health, step.timeout))
                else:
                    _probe_all(step, base, files, health, emit)
                if health.problems:
                    logs = _run([*base, *files, "logs", "--no-color", "--timestamps"], lambda _line: None)
                    (context.out_dir / LOGS_TXT).write_text(logs.stdout, encoding="utf-8")
            finally:
                self.down(name, [*base, *files], emit)
        _write(context, health)
        code = 0 if not health.problems else 1
        return StageOutcome(
            stage_id=stage.id,
            out_dir=context.out_dir,
            commands=(CommandOutcome(label="compose", argv=("docker", "compose", "up"), exit_code=code),),
        )

    def _override(self, step: ComposeStep, context: StepContext, services: list[str]) -> dict[str, object]:
        overrides: dict[str, dict[str, object]] = {s: {"labels": {RUN_LABEL: self.run_id}} for s in services}
        if step.service and step.image_from:
            metadata = json.loads(
                (context.upstream[step.image_from] / "build.json").read_text(encoding="utf-8")
            )
            overrides[step.service] |= {"image": metadata["tag"], "pull_policy": "never"}
        return {"services": overrides}

    def down(self, name: str, base: list[str], emit: Callable[[str], None]) -> None:
        """Remove the stack: containers, networks, volumes."""
        _run([*base, "down", "--volumes", "--remove-orphans", "--timeout", "5"], emit, timeout=120)
        self.projects = [(n, b) for n, b in self.projects if n != name]

    def cleanup(self) -> None:
        """Take down every stack still up (after Ctrl-C)."""
        for name, base in list(self.projects):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self.down(name, base, lambda _line: None)


def _run(
    argv: list[str], emit: Callable[[str], None], *, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    emit("$ " + " ".join(argv))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    for line in (done.stdout + done.stderr).splitlines()[-50:]:
        emit(line)
    return subprocess.CompletedProcess(
        argv,
        done.returncode,
        done.stdout if "config" in argv or "logs" in argv or "ps" in argv else done.stdout + done.stderr,
        done.stderr,
    )


def _last(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _inspect(base: list[str], files: list[str], health: Health, emit: Callable[[str], None]) -> None:
    listed = _run([*base, *files, "ps", "--all", "--format", "json"], emit)
    for line in listed.stdout.splitlines():
        if not line.strip().startswith("{"):
            continue
        entry = cast("dict[str, Any]", json.loads(line))
        service = str(entry.get("Service", "?"))
        info = {
            "state": str(entry.get("State", "")),
            "health": str(entry.get("Health", "")),
            "container": str(entry.get("Name", "")),
        }
        inspected = subprocess.run(
            ["docker", "inspect", str(entry.get("ID", ""))], capture_output=True, text=True, check=False
        )
        if inspected.returncode == 0:
            info |= _container_facts(cast("list[dict[str, Any]]", json.loads(inspected.stdout))[0])
        health.services[service] = info


def _container_facts(details: dict[str, Any]) -> dict[str, str]:
    """The last healthcheck output and the network address of an inspected container."""
    facts: dict[str, str] = {}
    state: dict[str, Any] = details.get("State") or {}
    health: dict[str, Any] = state.get("Health") or {}
    log: list[dict[str, Any]] = health.get("Log") or []
    if log:
        facts["last_healthcheck"] = str(log[-1].get("Output", ""))[-OUTPUT_LIMIT:].strip()
    settings: dict[str, Any] = details.get("NetworkSettings") or {}
    networks: dict[str, dict[str, Any]] = settings.get("Networks") or {}
    address = next((str(n["IPAddress"]) for n in networks.values() if n.get("IPAddress")), "")
    if address:
        facts["address"] = address
    return facts


def _up_problem(output: str, health: Health, timeout: float) -> str:
    unhealthy = [name for name, info in health.services.items() if info.get("health") == "unhealthy"]
    exited = [name for name, info in health.services.items() if info.get("state") in {"exited", "dead"}]
    if unhealthy:
        first = unhealthy[0]
        check = health.services[first].get("last_healthcheck", "")
        detail = f": last healthcheck said {check.splitlines()[-1]!r}" if check else ""
        return f"service {first!r} is unhealthy{detail} (logs: {LOGS_TXT})"
    if exited:
        return f"service {exited[0]!r} exited (logs: {LOGS_TXT})"
    if "timeout" in output.lower() or "deadline" in output.lower():
        return f"the stack did not become healthy within {timeout:g} s (logs: {LOGS_TXT})"
    return f"docker compose up failed: {_last(output)}"


def _probe_all(
    step: ComposeStep, base: list[str], files: list[str], health: Health, emit: Callable[[str], None]
) -> None:
    for probe in step.probes:
        if not isinstance(probe, HttpProbe | TcpProbe | ExecProbe):
            continue
        result = _probe_with_retries(probe, step, base=base, files=files, health=health, emit=emit)
        health.probes.append(result)
        if not result["ok"]:
            health.problems.append(
                f"probe {result['name']} failed after {step.retries + 1} attempt(s): {result['error']}"
            )


def _probe_with_retries(
    probe: HttpProbe | TcpProbe | ExecProbe,
    step: ComposeStep,
    *,
    base: list[str],
    files: list[str],
    health: Health,
    emit: Callable[[str], None],
) -> dict[str, object]:
    name = probe_label(probe)
    error = ""
    for attempt in range(step.retries + 1):
        if attempt:
            time.sleep(1)
        error = _probe_once(probe, step, base, files, health)
        if not error:
            emit(f"probe {name}: ok")
            return {"name": name, "ok": True, "attempts": attempt + 1}
        emit(f"probe {name}: {error}")
    return {"name": name, "ok": False, "attempts": step.retries + 1, "error": error}


def _probe_once(  # noqa: PLR0911 - one return per way a probe fails
    probe: HttpProbe | TcpProbe | ExecProbe,
    step: ComposeStep,
    base: list[str],
    files: list[str],
    health: Health,
) -> str:
    info = health.services.get(probe.service)
    if info is None:
        return f"service {probe.service!r} is not running"
    if isinstance(probe, ExecProbe):
        done = subprocess.run(
            [*base, *files, "exec", "-T", probe.service, *probe.command],
            capture_output=True,
            text=True,
            timeout=step.probe_timeout,
            check=False,
        )
        return "" if done.returncode == 0 else f"exit {done.returncode}: {_last(done.stdout + done.stderr)}"
    address = info.get("address")
    if not address:
        return f"service {probe.service!r} has no network address"
    if isinstance(probe, TcpProbe):
        try:
            with socket.create_connection((address, probe.port), timeout=step.probe_timeout):
                return ""
        except OSError as exc:
            return f"{address}:{probe.port}: {exc.strerror or exc}"
    url = f"http://{address}:{probe.port}{probe.path}"
    try:
        with urllib.request.urlopen(url, timeout=step.probe_timeout) as response:
            status, body = response.status, response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(65536).decode("utf-8", "replace")
    except (OSError, ValueError) as exc:
        return f"{url}: {getattr(exc, 'reason', None) or exc}"
    if status != probe.status:
        return f"{url} answered {status}, expected {probe.status}"
    if probe.body is not None and probe.body not in body:
        return f"{url} answered without {probe.body!r} in the body"
    return ""


def _write(context: StepContext, health: Health) -> None:
    data = {
        "project": health.project,
        "services": health.services,
        "probes": health.probes,
        "problems": health.problems,
    }
    (context.out_dir / HEALTH_JSON).write_text(json.dumps(data, indent=2), encoding="utf-8")


def _error(stage: Stage, context: StepContext, message: str, health: Health) -> StageOutcome:
    _write(context, health)
    return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, error=message)
