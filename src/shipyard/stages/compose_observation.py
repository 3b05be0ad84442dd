"""What an executor saw while running a compose stage: facts only, one shape for both executors.

Both executors write this model as `compose-health.json`; the compose stage's evaluate function
reads it back and decides. Nothing here says whether a probe passed or a service is good enough.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from shipyard.errors import ReportError
from shipyard.parsers._json import load_json

HEALTH_JSON = "compose-health.json"
LOGS_TXT = "compose-logs.txt"
OUTPUT_LIMIT = 4000
"""Characters of a command's output, a response body or a healthcheck output that are kept."""
HEALTHCHECK_LOG = 5
"""How many of a service's last healthcheck outputs are kept (Docker keeps the last five)."""
_EXPECTED = "a compose health report"


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def tail(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """The end of `text`, at most `limit` characters, stripped."""
    return text[-limit:].strip()


class CommandRun(_Fact):
    """One command the executor ran for the stack (config, image load, up)."""

    argv: tuple[str, ...]
    exit_code: int
    output: str = ""
    """The end of its combined output (at most OUTPUT_LIMIT characters)."""


class ServiceState(_Fact):
    """One service's container as the engine reported it after `up`."""

    name: str
    """The compose service name."""
    state: str
    """The container state: running, exited, dead, created, restarting."""
    health: str = ""
    """The healthcheck status (healthy, unhealthy, starting); empty when it has no healthcheck."""
    exit_code: int | None = None
    """The container's exit code once it stopped."""
    healthcheck: tuple[str, ...] = ()
    """The outputs of its last healthcheck runs, oldest first."""
    container: str = ""
    address: str = ""
    """Its address on the stack's network (where the Docker executor sends probes)."""


class ProbeAttempt(_Fact):
    """One attempt of one configured probe."""

    probe: int
    """The probe's index in the stage's probes."""
    label: str
    attempt: int
    """1 for the first attempt."""
    status: int | None = None
    """The HTTP status code answered, when an HTTP answer came."""
    body: str = ""
    """The HTTP response body, or an exec probe's combined output (at most OUTPUT_LIMIT characters)."""
    exit_code: int | None = None
    """An exec probe's exit code."""
    error: str = ""
    """Why no answer came: connection refused, timeout, no such service, the probe helper failed."""
    seconds: float = 0.0
    """How long the attempt took."""


class ComposeObservation(_Fact):
    """Everything an executor observed in one compose stage run."""

    executor: str
    project: str = ""
    """The compose project name the stack ran under."""
    config: CommandRun
    """`docker compose config`: whether the file parses (exit 0) and the tool's message."""
    services_in_file: tuple[str, ...] = ()
    """The services the parsed file defines (empty when it does not parse)."""
    pull: CommandRun | None = None
    """`docker compose pull` of the services whose images were missing; None when nothing was pulled
    (every image was there, or pulling is disabled: `--offline`)."""
    missing_images: tuple[str, ...] = ()
    """Images of the stack's services the engine does not have (after the pull, when there was one)."""
    image_load: CommandRun | None = None
    """Loading the built image into the engine, when the executor has to (Dagger's dockerd)."""
    up: CommandRun | None = None
    """`docker compose up --wait`; None when it was not run."""
    services: tuple[ServiceState, ...] = ()
    attempts: tuple[ProbeAttempt, ...] = ()
    """Every probe attempt made, in order."""
    logs: str | None = None
    """The file holding the services' logs, when the executor saved them."""

    @property
    def file_parsed(self) -> bool:
        """Whether `docker compose config` accepted the file."""
        return self.config.exit_code == 0

    def to_json(self) -> str:
        """The report as the executor writes it."""
        return self.model_dump_json(indent=2)


def read_observation(data: bytes | str, *, source: str) -> ComposeObservation:
    """Parse a compose-health.json, or raise a ReportError naming the file and the bad field."""
    value = load_json(data, source=source, expected=_EXPECTED)
    try:
        return ComposeObservation.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise ReportError(
            f"{source} is not {_EXPECTED}: {where}: {first['msg']}",
            fix="re-run the compose stage; an executor wrote a report of another shape",
        ) from exc
