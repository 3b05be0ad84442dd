"""A test leg's services on Dagger: the compose file's services as engine services, bound by name.

What the Docker executor gets from `docker compose up --wait NAME`, expressed with the engine's own
services: the file is rendered by `docker compose config` in a docker CLI container (no daemon
needed); each service of the closure runs from its image with the file's environment, entrypoint
and command, exposes its ports, and is bound into the leg (and into its dependents) under its
service name. The core's graph says what to start; the core judges what was seen.

Dagger 0.21 behaviour relied on (dagger/dagger, backport-0.21):
- `Container.asService(args, useEntrypoint)`: no args runs the image's entrypoint + cmd; args
  with `useEntrypoint` prepend the entrypoint; args without it replace both (core/container.go,
  `AsService`).
- A service is health-checked on the ports set with `withExposedPort` only (core/service.go,
  `newPortHealth(..., ctr.Ports)`); `exposedPorts` also lists the image's EXPOSE ports
  (core/schema/container.go, `exposedPorts` reads `Config.ExposedPorts`), which are exposed here
  when the file names none, so the engine waits for the port before the leg runs.
- `Service.start` starts it and returns once healthy, `Service.stop` stops it; a binding of the
  same service reuses the running instance (core/schema/service.go `start`/`stop`,
  core/services.go `Services.Start` keyed by the service's digest).
- compose healthchecks have no counterpart: readiness is the port accepting connections.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from shipyard.stages.compose_inspect import services_in_config
from shipyard.stages.compose_observation import CommandRun, ComposeObservation, ServiceState, tail
from shipyard.stages.compose_services import service_graph
from shipyard.stages.services import services_problem
from shipyard.stages.spec import WORKDIR
from shipyard_ci.compose import CLI_IMAGE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.stages.compose_services import ServiceGraph, ServiceRun
    from shipyard.stages.spec import TestServices

EXECUTOR = "dagger"


def config_argv(services: TestServices, project: str) -> list[str]:
    """`docker compose config` of the project's file, rendered for `project`."""
    return ["docker", "compose", "-p", project, "-f", services.file, "config", "--format", "json"]


def service_of(
    run: ServiceRun, ports: tuple[int, ...], bound: Mapping[str, dagger.Service]
) -> dagger.Service:
    """One compose service as an engine service, bound to the services it depends on."""
    ctr = dag.container().from_(run.image)
    for name, value in run.environment.items():
        ctr = ctr.with_env_variable(name, value)
    for port in ports:
        ctr = ctr.with_exposed_port(port)
    for alias, service in bound.items():
        ctr = ctr.with_service_binding(alias, service)
    if run.entrypoint is not None:
        return ctr.as_service(args=[*run.entrypoint, *(run.command or ())])
    if run.command is not None:
        return ctr.as_service(args=list(run.command), use_entrypoint=True)
    return ctr.as_service()


async def image_ports(image: str) -> tuple[int, ...]:
    """The TCP ports the image itself exposes (its EXPOSE lines)."""
    found = await dag.container().from_(image).exposed_ports()
    return tuple([await p.port() for p in found if await p.protocol() == dagger.NetworkProtocol.TCP])


async def start(
    services: TestServices, tree: dagger.Directory, project: str
) -> tuple[ComposeObservation, dict[str, dagger.Service]]:
    """Render the file, start the closure of the named services; what was seen, and what runs."""
    argv = config_argv(services, project)
    rendered = (
        dag.container()
        .from_(CLI_IMAGE)
        .with_directory(WORKDIR, tree)
        .with_workdir(WORKDIR)
        .with_exec(argv, expect=dagger.ReturnType.ANY)
    )
    code = await rendered.exit_code()
    # on success stdout is the file with `.env` values interpolated: data, not a message
    said = "" if code == 0 else tail(await rendered.combined_output())
    seen = ComposeObservation(
        executor=EXECUTOR, project=project, config=CommandRun(argv=tuple(argv), exit_code=code, output=said)
    )
    if code != 0:
        return seen, {}
    printed = await rendered.stdout()
    source = f"docker compose config of {services.file}"
    graph = service_graph(printed, source=source)
    seen = seen.model_copy(update={"services_in_file": services_in_config(printed, source=source)})
    if services_problem(services, seen) is not None:
        return seen, {}
    return await _start_closure(services, graph, seen)


async def _start_closure(
    services: TestServices, graph: ServiceGraph, seen: ComposeObservation
) -> tuple[ComposeObservation, dict[str, dagger.Service]]:
    order = graph.start_order(services.names)
    argv = ("dagger", "service", "start", *order)
    started: dict[str, dagger.Service] = {}
    states: list[ServiceState] = []
    for name in order:
        run = graph.runs.get(name)
        if run is None:
            failed = CommandRun(
                argv=argv,
                exit_code=1,
                output=f"service {name!r} names no image (it is built by compose); give it an `image:`",
            )
            return seen.model_copy(update={"up": failed, "services": tuple(states)}), started
        ports = run.ports or await image_ports(run.image)
        needs = {dep: started[dep] for dep in graph.depends_on.get(name, ()) if dep in started}
        service = service_of(run, ports, needs)
        try:
            _ = await service.start()
        except dagger.QueryError as exc:
            states.append(ServiceState(name=name, state="exited"))
            failed = CommandRun(argv=argv, exit_code=1, output=tail(f"service {name!r} did not start: {exc}"))
            return seen.model_copy(update={"up": failed, "services": tuple(states)}), started
        started[name] = service
        states.append(ServiceState(name=name, state="running", health="healthy" if ports else ""))
    up = CommandRun(argv=argv, exit_code=0)
    return seen.model_copy(update={"up": up, "services": tuple(states)}), started


async def stop(started: Mapping[str, dagger.Service]) -> None:
    """Stop every service this leg started, dependents first."""
    for service in reversed(list(started.values())):
        with contextlib.suppress(dagger.QueryError):  # already gone: nothing is left to stop
            _ = await service.stop()
