"""Run a ComposeStep: `docker compose up --wait` with the built image, probes, then `down -v` always.

Each run gets its own compose project name, so two runs never share containers, networks or
volumes. The built image is injected by an override file (never pushed anywhere); every service is
labelled with the run id so an interrupted run can be found and removed.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from shipyard.config.models import ExecProbe, HttpProbe
from shipyard.docker.container_step import RUN_LABEL
from shipyard.docker.engine_probe import observe_from_engine
from shipyard.stages.build import METADATA_JSON
from shipyard.stages.compose import setup_error
from shipyard.stages.compose_inspect import services_from_inspect, services_in_config
from shipyard.stages.compose_observation import (
    HEALTH_JSON,
    LOGS_TXT,
    OUTPUT_LIMIT,
    CommandRun,
    ComposeObservation,
    ProbeAttempt,
    ServiceState,
    tail,
)
from shipyard.stages.compose_probe import observe
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.probe_verdict import (
    PROBE_PAUSE,
    AnyProbe,
    attempt_problem,
    attempts_allowed,
    probe_label,
)
from shipyard.stages.spec import LOG_FILE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from shipyard.executor import StepContext
    from shipyard.stages.spec import ComposeStep, Stage

EXECUTOR = "docker"


def project_name(run_id: str, stage_id: str) -> str:
    """A compose project name unique to this run and stage."""
    return re.sub(r"[^a-z0-9_-]", "-", f"shipyard-{run_id}-{stage_id}".lower())


class ComposeRunner:
    """Brings stacks up and down for one pipeline run; remembers them for cleanup."""

    def __init__(self, run_id: str, *, pull: bool = True, local: bool = True) -> None:
        self.run_id = run_id
        self.pull = pull
        """Whether images the stack lacks are pulled before `up` (False with `--offline`)."""
        self.local = local
        """Whether the engine shares this machine's network (endpoint.Endpoint.local): probes go direct."""
        self.projects: list[tuple[str, list[str]]] = []

    def run(self, stage: Stage, step: ComposeStep, context: StepContext) -> StageOutcome:
        """Parse, up, wait, inspect, probe, save the logs, down; write what was seen."""
        name = project_name(self.run_id, stage.id)
        log_path = context.out_dir / LOG_FILE
        with (
            log_path.open("a", encoding="utf-8") as log,
            tempfile.TemporaryDirectory(prefix="shipyard-compose-") as tmp,
        ):

            def emit(line: str) -> None:
                log.write(line + "\n")
                context.log(line)

            files = ["-f", str(context.root / step.file)]
            # compose's own default: the project directory is the file's (relative paths, .env)
            folder = str((context.root / step.file).parent)
            base = ["docker", "compose", "-p", name, "--project-directory", folder]
            config = run_logged([*base, *files, "config", "--format", "json"], emit)
            seen = ComposeObservation(
                executor=EXECUTOR, project=name, config=command_run(config, data_on_stdout=True)
            )
            if config.returncode != 0:
                return _finish(stage, context, seen)
            services = list(services_in_config(config.stdout, source=f"docker compose config of {step.file}"))
            seen = seen.model_copy(update={"services_in_file": tuple(services)})
            if setup_error(step, seen) is None:
                seen = self._pull_missing(step, [*base, *files], config.stdout, seen, emit)
            if setup_error(step, seen) is not None:  # the core says the stack cannot be tried
                return _finish(stage, context, seen)
            override = Path(tmp) / "shipyard.override.json"
            override.write_text(json.dumps(self._override(step, context, services)), encoding="utf-8")
            files += ["-f", str(override)]
            self.projects.append((name, [*base, *files]))
            try:
                seen = self._up_and_probe(step, context, [*base, *files], seen, emit)
            finally:
                self.down(name, [*base, *files], emit)
        return _finish(stage, context, seen)

    def _pull_missing(
        self,
        step: ComposeStep,
        compose: list[str],
        config: str,
        seen: ComposeObservation,
        emit: Callable[[str], None],
    ) -> ComposeObservation:
        images = _service_images(config, injected=step.service if step.image_from else None)
        return pull_missing(compose, images, seen, emit, pull=self.pull)

    def _up_and_probe(
        self,
        step: ComposeStep,
        context: StepContext,
        compose: list[str],
        seen: ComposeObservation,
        emit: Callable[[str], None],
    ) -> ComposeObservation:
        up = run_logged(
            [
                *compose,
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
        services = inspect_stack(compose, emit)
        attempts = self._probe_all(step, compose, services, emit) if up.returncode == 0 else ()
        logs = run_logged([*compose, "logs", "--no-color", "--timestamps"], lambda _line: None)
        (context.out_dir / LOGS_TXT).write_text(logs.stdout, encoding="utf-8")
        return seen.model_copy(
            update={"up": command_run(up), "services": services, "attempts": attempts, "logs": LOGS_TXT}
        )

    def _override(self, step: ComposeStep, context: StepContext, services: list[str]) -> dict[str, object]:
        overrides: dict[str, dict[str, object]] = {s: {"labels": {RUN_LABEL: self.run_id}} for s in services}
        if step.service and step.image_from:
            metadata = json.loads(
                (context.upstream[step.image_from] / METADATA_JSON).read_text(encoding="utf-8")
            )
            overrides[step.service] |= {"image": metadata["tag"], "pull_policy": "never"}
        return {"services": overrides}

    def _probe_all(
        self,
        step: ComposeStep,
        compose: list[str],
        services: tuple[ServiceState, ...],
        emit: Callable[[str], None],
    ) -> tuple[ProbeAttempt, ...]:
        """Every attempt of every probe; the core's retries and pause, stopping once the core says passed."""
        attempts: list[ProbeAttempt] = []
        by_name = {s.name: s for s in reversed(services)}
        for index, probe in enumerate(step.probes):
            label = probe_label(probe)
            for number in range(1, attempts_allowed(step) + 1):
                if number > 1:
                    time.sleep(PROBE_PAUSE)
                seen = self._probe_once(probe, step, compose, by_name.get(probe.service))
                attempt = ProbeAttempt.model_validate(
                    {"probe": index, "label": label, "attempt": number, **seen}
                )
                attempts.append(attempt)
                problem = attempt_problem(probe, attempt)
                emit(f"probe {label} attempt {number}: {problem or 'passed'}")
                if problem is None:
                    break
        return tuple(attempts)

    def _probe_once(
        self, probe: AnyProbe, step: ComposeStep, compose: list[str], service: ServiceState | None
    ) -> dict[str, object]:
        """What one attempt saw, as ProbeAttempt fields."""
        if service is None:
            return {"error": f"service {probe.service!r} has no container"}
        if isinstance(probe, ExecProbe):
            return _exec_probe(probe, step, compose)
        if not service.address:
            return {"error": f"service {probe.service!r} has no network address"}
        kind, path = ("http", probe.path) if isinstance(probe, HttpProbe) else ("tcp", "")
        if not self.local:  # the engine's container addresses are not routable from here
            return observe_from_engine(
                step.probe_image,
                service.container,
                kind,
                service.address,
                probe.port,
                path,
                step.probe_timeout,
                run_id=self.run_id,
                pull=self.pull,
            )
        return observe(
            kind, service.address, probe.port, path=path, timeout=step.probe_timeout, limit=OUTPUT_LIMIT
        )

    def down(self, name: str, base: list[str], emit: Callable[[str], None]) -> None:
        """Remove the stack: containers, networks, volumes."""
        run_logged([*base, "down", "--volumes", "--remove-orphans", "--timeout", "5"], emit, timeout=120)
        self.projects = [(n, b) for n, b in self.projects if n != name]

    def cleanup(self) -> None:
        """Take down every stack still up (after Ctrl-C)."""
        for name, base in list(self.projects):
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self.down(name, base, lambda _line: None)


def pull_missing(
    compose: list[str],
    images: dict[str, str],
    seen: ComposeObservation,
    emit: Callable[[str], None],
    *,
    pull: bool,
) -> ComposeObservation:
    """Pull the services' images the engine lacks (unless `pull` is off); record what is still missing."""
    missing = absent_images(images.values())
    if not missing or not pull:
        return seen.model_copy(update={"missing_images": missing})
    services = sorted(s for s, image in images.items() if image in missing)
    pulled = run_logged([*compose, "pull", *services], emit, timeout=900)
    return seen.model_copy(update={"pull": command_run(pulled), "missing_images": absent_images(missing)})


def run_logged(
    argv: list[str], emit: Callable[[str], None], *, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run a command; stdout stays apart from stderr (config, ps and logs print data on stdout)."""
    emit("$ " + " ".join(argv))
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    for line in (done.stdout + done.stderr).splitlines()[-50:]:
        emit(line)
    return done


def _service_images(config: str, *, injected: str | None) -> dict[str, str]:
    """Service -> image of a `docker compose config --format json`, but the service given the built image."""
    parsed = cast("dict[str, Any]", json.loads(config))
    services = cast("dict[str, dict[str, Any]]", parsed.get("services") or {})
    return {
        name: str(spec["image"]) for name, spec in services.items() if name != injected and spec.get("image")
    }


def absent_images(images: Iterable[str]) -> tuple[str, ...]:
    """The images the engine does not have, in order, once each."""
    return tuple(
        image
        for image in dict.fromkeys(images)
        if subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, check=False
        ).returncode
        != 0
    )


def command_run(done: subprocess.CompletedProcess[str], *, data_on_stdout: bool = False) -> CommandRun:
    """A finished command as the observation records it (argv, exit code, the end of its output).

    `data_on_stdout`: a successful run's stdout is data, not a message, and stays out of the
    report (`config` prints the file with `.env` values interpolated: passwords, say).
    """
    printed = done.stderr if data_on_stdout and done.returncode == 0 else done.stdout + done.stderr
    output = tail(printed)
    return CommandRun(argv=tuple(str(a) for a in done.args), exit_code=done.returncode, output=output)


def inspect_stack(compose: list[str], emit: Callable[[str], None]) -> tuple[ServiceState, ...]:
    """The state of every container of the stack `compose` addresses."""
    ids = run_logged([*compose, "ps", "--all", "--quiet"], emit).stdout.split()
    if not ids:
        return ()
    inspected = subprocess.run(["docker", "inspect", *ids], capture_output=True, text=True, check=False)
    if inspected.returncode != 0:
        emit(f"docker inspect failed: {tail(inspected.stderr)}")
        return ()
    return services_from_inspect(inspected.stdout, source="docker inspect")


def _exec_probe(probe: ExecProbe, step: ComposeStep, compose: list[str]) -> dict[str, object]:
    """An exec probe's command in its service's container (`docker compose exec`: local or remote)."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*compose, "exec", "-T", probe.service, *probe.command],
            capture_output=True,
            text=True,
            timeout=step.probe_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no exit within {step.probe_timeout:g} s", "seconds": step.probe_timeout}
    return {
        "exit_code": done.returncode,
        "body": tail(done.stdout + done.stderr),
        "seconds": round(time.monotonic() - started, 3),
    }


def _finish(stage: Stage, context: StepContext, seen: ComposeObservation) -> StageOutcome:
    """Write what was seen; the outcome carries `up`'s exit code (or config's when up did not run)."""
    (context.out_dir / HEALTH_JSON).write_text(seen.to_json(), encoding="utf-8")
    ran = seen.up or seen.config
    command = CommandOutcome(label="compose", argv=ran.argv, exit_code=ran.exit_code, output_tail=ran.output)
    return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(command,))
