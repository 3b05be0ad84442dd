"""The compose services a container step needs: up and healthy first, joined by the step, down after.

What GitHub's `services:` gives a job: `docker compose up --wait` of the named services (and what
they depend on) under a compose project of this run and stage, the step's container connected to
their networks so their names resolve, and `down --volumes` always, with their logs kept. What was
seen is written as the core's observation; the core says whether the commands may run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.docker.compose_step import (
    EXECUTOR,
    ComposeRunner,
    command_run,
    inspect_stack,
    project_name,
    pull_missing,
    run_logged,
)
from shipyard.stages.compose_inspect import services_in_config
from shipyard.stages.compose_observation import ComposeObservation
from shipyard.stages.compose_services import service_graph
from shipyard.stages.outcome import StageOutcome
from shipyard.stages.services import SERVICES_JSON, SERVICES_LOGS, services_problem
from shipyard.stages.spec import LOG_FILE

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.executor import StepContext
    from shipyard.stages.spec import Stage, TestServices


def run_with_services(
    compose: ComposeRunner,
    stage: Stage,
    services: TestServices,
    context: StepContext,
    body: Callable[[tuple[str, ...]], StageOutcome],
) -> StageOutcome:
    """Start `services`, run `body` with the networks to join, take them down; write what was seen."""
    name = project_name(compose.run_id, stage.id)
    # compose's own default: the project directory is the file's (relative paths, .env)
    file = context.root / services.file
    base = ["docker", "compose", "-p", name, "--project-directory", str(file.parent), "-f", str(file)]

    def emit(line: str) -> None:
        with (context.out_dir / LOG_FILE).open("a", encoding="utf-8") as log:
            log.write(line + "\n")
        context.log(line)

    config = run_logged([*base, "config", "--format", "json"], emit)
    seen = ComposeObservation(
        executor=EXECUTOR, project=name, config=command_run(config, data_on_stdout=True)
    )
    if config.returncode != 0:
        return _finish(stage, context, seen, None)
    source = f"docker compose config of {services.file}"
    graph = service_graph(config.stdout, source=source)
    seen = seen.model_copy(update={"services_in_file": services_in_config(config.stdout, source=source)})
    if services_problem(services, seen) is None:
        seen = pull_missing(base, graph.images_of(services.names), seen, emit, pull=compose.pull)
    if services_problem(services, seen) is not None:
        return _finish(stage, context, seen, None)
    compose.projects.append((name, base))
    outcome: StageOutcome | None = None
    try:
        up = run_logged(
            [
                *base,
                *("up", "--detach", "--wait", "--wait-timeout", str(int(services.timeout))),
                *("--no-build", "--pull", "never", *services.names),
            ],
            emit,
            timeout=services.timeout + 60,
        )
        seen = seen.model_copy(update={"up": command_run(up), "services": inspect_stack(base, emit)})
        if services_problem(services, seen) is None:
            outcome = body(graph.networks_of(services.names))
    finally:
        logs = run_logged([*base, "logs", "--no-color", "--timestamps"], lambda _line: None)
        (context.out_dir / SERVICES_LOGS).write_text(logs.stdout + logs.stderr, encoding="utf-8")
        seen = seen.model_copy(update={"logs": SERVICES_LOGS})
        compose.down(name, base, emit)
    return _finish(stage, context, seen, outcome)


def _finish(
    stage: Stage, context: StepContext, seen: ComposeObservation, outcome: StageOutcome | None
) -> StageOutcome:
    """Write what was seen; without the step's own outcome (it never ran) an empty one."""
    (context.out_dir / SERVICES_JSON).write_text(seen.to_json(), encoding="utf-8")
    return outcome or StageOutcome(stage_id=stage.id, out_dir=context.out_dir)
