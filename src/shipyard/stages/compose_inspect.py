"""The Docker CLI's output about a compose stack, read into the facts the compose stage reports.

Both executors run `docker compose config --format json` and `docker inspect <the ids of
docker compose ps --all -q>` and hand the output here, so the services of the file, their state,
health and healthcheck log come out the same from either engine.
"""

from __future__ import annotations

from shipyard.parsers._json import Fields, as_list, as_object, load_json, wrong_report
from shipyard.stages.compose_observation import HEALTHCHECK_LOG, ServiceState, tail

SERVICE_LABEL = "com.docker.compose.service"
_EXPECTED = "`docker inspect` output"


def services_in_config(data: bytes | str, *, source: str) -> tuple[str, ...]:
    """The service names of `docker compose config --format json` output, sorted."""
    expected = "`docker compose config --format json` output"
    value = load_json(data, source=source, expected=expected)
    config = Fields(value, source=source, expected=expected, where="the document")
    services = as_object(config.obj.get("services"))
    if services is None:
        raise config.error("has no 'services' object")
    return tuple(sorted(services))


def services_from_inspect(data: bytes | str, *, source: str) -> tuple[ServiceState, ...]:
    """One ServiceState per inspected container, sorted by service name; an empty list gives ()."""
    value = load_json(data, source=source, expected=_EXPECTED)
    containers = as_list(value)
    if containers is None:
        raise wrong_report(value, source=source, expected=_EXPECTED, want="a list of containers")
    found = [_service(item, source=source, where=f"container {n}") for n, item in enumerate(containers)]
    return tuple(sorted(found, key=lambda s: s.name))


def _service(item: object, *, source: str, where: str) -> ServiceState:
    container = Fields(item, source=source, expected=_EXPECTED, where=where)
    config = container.child("Config", f"{where}.Config")
    labels = config.child("Labels", f"{where}.Config.Labels")
    state = container.child("State", f"{where}.State")
    health = state.obj.get("Health")
    status, log = "", []
    if health is not None:
        checks = Fields(health, source=source, expected=_EXPECTED, where=f"{where}.State.Health")
        status = checks.opt_text("Status") or ""
        log = [
            tail(Fields(run, source=source, expected=_EXPECTED, where=f"{where} healthcheck").text("Output"))
            for run in checks.items("Log")
        ]
    stopped = state.text("Status") in {"exited", "dead"}
    return ServiceState(
        name=labels.opt_text(SERVICE_LABEL) or container.text("Name").lstrip("/"),
        state=state.text("Status"),
        health=status,
        exit_code=state.integer("ExitCode") if stopped else None,
        healthcheck=tuple(log[-HEALTHCHECK_LOG:]),
        container=container.text("Name").lstrip("/"),
        address=_address(container),
    )


def _address(container: Fields) -> str:
    settings = as_object(container.obj.get("NetworkSettings")) or {}
    networks = as_object(settings.get("Networks")) or {}
    for network in networks.values():
        address = (as_object(network) or {}).get("IPAddress")
        if isinstance(address, str) and address:
            return address
    return ""
