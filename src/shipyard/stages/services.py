"""The services a test leg needs (`[tool.shipyard.test] services`), and why they were not had.

Executors start them from the project's compose file and write what they saw as SERVICES_JSON
(the compose stage's observation model); they ask `services_problem` whether the tests may run,
as the compose stage's executors ask `setup_error`. A leg whose services did not come up is an
error naming the service and the cause, never a test failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.parsers.causes import find_cause
from shipyard.stages.compose import command_cause, images_missing, up_problems, with_logs
from shipyard.stages.compose_observation import read_observation
from shipyard.stages.spec import TestServices
from shipyard.stages.verdicts import missing_image, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.compose_observation import ComposeObservation
    from shipyard.stages.outcome import StageOutcome

SERVICES_JSON = "services.json"
SERVICES_LOGS = "services-logs.txt"
_KEY = "[tool.shipyard.test] services"


def services_for(project: Project) -> TestServices | None:
    """The services the project's tests need, or None."""
    names = project.config.test.services
    if not names:
        return None
    compose = project.config.compose
    return TestServices(file=compose.file, names=tuple(names), timeout=compose.timeout)


def services_problem(services: TestServices, seen: ComposeObservation) -> str | None:  # noqa: PLR0911
    """Why the tests cannot run against their services, or None (also before `up` ran).

    One return per cause, in the order they arise: the file, the names, the images, `up`, a state.
    """
    if not seen.file_parsed:
        return (
            f"{services.file} does not parse: {command_cause(seen.config)} "
            f"(fix the file; `docker compose -f {services.file} config` shows the error)"
        )
    unknown = [name for name in services.names if name not in seen.services_in_file]
    if unknown:
        return (
            f"{_KEY} names {', '.join(repr(n) for n in unknown)}, not in {services.file} "
            f"(it has: {', '.join(seen.services_in_file) or 'no services'}); fix {_KEY}"
        )
    if seen.missing_images:
        return images_missing(seen)
    if seen.up is None:
        return None
    if seen.up.exit_code != 0:
        cause = find_cause(seen.up.output)
        if cause is not None and cause.image:
            return missing_image(cause.image)
        problems = up_problems(services.timeout, seen.up, seen.services)
        return with_logs(f"the tests' services did not start: {problems[0]}", seen.logs)
    down = [s for s in seen.services if s.name in services.names and s.state != "running"]
    if down:
        first = down[0]
        return with_logs(f"the tests' service {first.name!r} is {first.state}, not running", seen.logs)
    return None


def services_verdict(services: TestServices, outcome: StageOutcome) -> str | None:
    """The error summary of a leg whose services were not had, or None when the tests could run."""
    found = report(outcome, SERVICES_JSON)
    if found is None:
        return f"the executor wrote no {SERVICES_JSON}, so the tests' services were never started; re-run"
    seen = read_observation(found[0], source=found[1])
    problem = services_problem(services, seen)
    if problem is None and seen.up is None:
        return "the executor did not start the tests' services; re-run the stage"
    return problem
