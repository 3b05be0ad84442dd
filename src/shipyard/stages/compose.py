"""compose: the project's compose stack with the image just built, healthy and answering probes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.parsers.causes import find_cause
from shipyard.stages.build import build_stage_id
from shipyard.stages.common import ALWAYS_EXCLUDED, DOCS, newest_python, python_image
from shipyard.stages.compose_observation import HEALTH_JSON, read_observation
from shipyard.stages.probe_verdict import attempt_problem, probe_label, probe_passed
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import ComposeStep, SourceFilter, Stage
from shipyard.stages.verdicts import broken_run, missing_image, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.compose_observation import CommandRun, ComposeObservation, ServiceState
    from shipyard.stages.outcome import StageOutcome


__all__ = ["HEALTH_JSON", "compose_stage", "probe_label"]


def compose_stage(project: Project, platform: str) -> Stage:
    """The compose stage, using the image built for `platform`."""
    compose = project.config.compose
    build_id = build_stage_id(platform) if project.has_dockerfile and compose.service else None
    not_applicable = None if project.has_compose else f"no {compose.file}"
    step = ComposeStep(
        file=compose.file,
        service=compose.service,
        image_from=build_id,
        probes=compose.probes,
        timeout=compose.timeout,
        probe_timeout=compose.probe_timeout,
        retries=compose.retries,
        probe_image=python_image(project, newest_python(project)),
    )
    return Stage(
        id="compose",
        group="compose",
        description=f"docker compose up --wait {compose.file} + {len(compose.probes)} probe(s)",
        needs=(build_id,) if build_id else (),
        inputs=SourceFilter(include=("**",), exclude=(*ALWAYS_EXCLUDED, *DOCS)),
        action=step,
        evaluate=EvaluateCompose(step),
        outputs=(HEALTH_JSON,),
        not_applicable=not_applicable,
    )


TIMEOUT_MARKERS = ("timeout", "deadline exceeded")
"""What `docker compose up --wait` says when --wait-timeout ran out."""


@dataclass(frozen=True)
class EvaluateCompose:
    """Bad file or image: error; unhealthy services, a failed `up`, failed probes: failed.

    The one-line summary names the cause; the other causes follow as details.
    """

    step: ComposeStep

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the compose stage from the executor's compose-health.json."""
        broken = broken_run(outcome, may_fail=("compose",))
        if broken:
            return broken
        found = report(outcome, HEALTH_JSON)
        if found is None:
            return StageResult(status=Status.ERROR, summary=f"the compose stage wrote no {HEALTH_JSON}")
        data, source = found
        return judge(self.step, read_observation(data, source=source))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def command_cause(run: CommandRun) -> str:
    """What a failed compose command said: the cause in its output, else its last line."""
    cause = find_cause(run.output)
    if cause is not None:
        return missing_image(cause.image) if cause.image else cause.text
    return _last_line(run.output) if run.output.strip() else f"it printed nothing (exit {run.exit_code})"


def images_missing(seen: ComposeObservation) -> str:
    images = ", ".join(seen.missing_images)
    if seen.pull is None:
        why = "pulling is disabled (--offline)"
    else:
        why = f"`docker compose pull` could not get it: {_last_line(seen.pull.output)[:200]}"
    return (
        f"image {images} of the stack is not on this engine and {why}; fix: `docker pull` it on a "
        "connected machine, `docker save` it and `docker load` it here, or seed a registry mirror with it"
    )


def _error(summary: str) -> StageResult:
    return StageResult(status=Status.ERROR, summary=summary, artifacts=(HEALTH_JSON,))


def judge(step: ComposeStep, seen: ComposeObservation) -> StageResult:
    """The stage result for one observed run of `step`."""
    error = setup_error(step, seen)
    if error:
        return _error(error)
    if seen.up is None:
        return _error("the executor did not run `docker compose up`; re-run the stage")
    artifacts = (HEALTH_JSON, seen.logs) if seen.logs else (HEALTH_JSON,)
    problems = (
        up_problems(step.timeout, seen.up, seen.services) if seen.up.exit_code else probe_problems(step, seen)
    )
    if problems:
        return StageResult(
            status=Status.FAILED,
            summary=with_logs(problems[0], seen.logs),
            details=tuple(problems[1:]),
            artifacts=artifacts,
        )
    return StageResult(
        status=Status.PASSED,
        summary=f"{len(seen.services)} service(s) healthy, {len(step.probes)} probe(s) passed",
        counts={"services": len(seen.services), "probes": len(step.probes), "attempts": len(seen.attempts)},
        artifacts=artifacts,
    )


def setup_error(step: ComposeStep, seen: ComposeObservation) -> str | None:
    """Why the stack cannot be tried (the file, the service name, the image), or None.

    Executors ask this before `up`; the verdict reports it as an error.
    """
    if not seen.file_parsed:
        return (
            f"{step.file} does not parse: {command_cause(seen.config)} "
            f"(fix the file; `docker compose -f {step.file} config` shows the error)"
        )
    if step.service and step.service not in seen.services_in_file:
        return (
            f"service {step.service!r} is not in {step.file} (it has: {', '.join(seen.services_in_file)}); "
            "fix [tool.shipyard.compose] service"
        )
    if seen.missing_images:
        return images_missing(seen)
    if seen.image_load is not None and seen.image_load.exit_code != 0:
        return command_failed(f"loading the image built by {step.image_from}", seen.image_load)
    cause = find_cause(seen.up.output) if seen.up is not None and seen.up.exit_code else None
    if cause is not None and cause.image:  # `up` stopped at an image it has not got: not the stack's fault
        return missing_image(cause.image)
    return None


def with_logs(problem: str, logs: str | None) -> str:
    return f"{problem} (logs: {logs})" if logs else problem


def command_failed(what: str, run: CommandRun) -> str:
    return f"{what} failed (exit {run.exit_code}): {command_cause(run)}"


def up_problems(timeout: float, up: CommandRun, services: tuple[ServiceState, ...]) -> list[str]:
    """Why `up --wait` failed, the most telling cause first."""
    problems: list[str] = []
    for service in services:
        if service.health == "unhealthy":
            said = _last_line(service.healthcheck[-1]) if service.healthcheck else ""
            detail = f": last healthcheck said {said!r}" if said else " (its healthcheck printed nothing)"
            problems.append(f"service {service.name!r} is unhealthy{detail}")
    problems.extend(
        f"service {s.name!r} exited with code {s.exit_code}"
        for s in services
        if s.state in {"exited", "dead"} and s.exit_code != 0
    )
    if any(marker in up.output.lower() for marker in TIMEOUT_MARKERS):
        starting = [s.name for s in services if s.health == "starting"]
        still = f" ({', '.join(repr(s) for s in starting)} still starting)" if starting else ""
        problems.append(f"the stack did not become healthy within {timeout:g} s{still}")
    problems.append(command_failed("docker compose up --wait", up))
    return problems


def probe_problems(step: ComposeStep, seen: ComposeObservation) -> list[str]:
    """One line per configured probe that no attempt passed."""
    problems: list[str] = []
    for index, probe in enumerate(step.probes):
        label = probe_label(probe)
        attempts = [a for a in seen.attempts if a.probe == index]
        if not attempts:
            problems.append(f"probe {label} was not tried")
        elif not any(probe_passed(probe, a) for a in attempts):
            why = attempt_problem(probe, attempts[-1])
            problems.append(f"probe {label} failed: {why} ({len(attempts)} attempt(s))")
    return problems
