"""A compose stage on Dagger: Docker-in-Docker as a service, `docker compose up --wait`, probes.

Everything the stage means (file, service, probes, timeouts, retries, the probe image) comes from
the core's ComposeStep, and the core judges what was seen; this module only expresses the
commands with a dockerd service, a docker CLI container and a Python container for HTTP/TCP
probes. UNCONFIRMED (no engine here): the compose plugin in the docker:cli image, `docker load`
of an `as_tarball()` archive, and that ports the stack publishes on the daemon are reachable at
the service's alias from another container bound to it.

Dagger API relied on (sdk/python/src/dagger/client/gen.py, dagger/dagger backport-0.21):
`Container.with_service_binding(alias, service)` makes `service` reachable as `alias` from the
container; `Container.with_exec(args, expect=ReturnType.ANY)` lets a command exit non-zero
without an ExecError, after which `exit_code()`, `stdout()` and `combined_output()` read it.
"""

from __future__ import annotations

import time
from importlib import resources
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe
from shipyard.stages.compose_inspect import services_from_inspect
from shipyard.stages.compose_observation import OUTPUT_LIMIT, CommandRun, tail
from shipyard.stages.compose_probe import read_reply
from shipyard.stages.spec import WORKDIR

if TYPE_CHECKING:
    from collections.abc import Sequence

    from shipyard.stages.compose_observation import ServiceState
    from shipyard.stages.probe_verdict import AnyProbe
    from shipyard.stages.spec import ComposeStep

DIND_IMAGE = "docker:27-dind"
"""UNPINNED: the core's tool table has no Docker image yet; pin it there by tag and digest."""
CLI_IMAGE = "docker:27-cli"
"""UNPINNED, as above."""
DOCKER_CACHE = "shipyard-dind"
DOCKERD_PORT = 2375
DOCKER_ALIAS = "docker"
IMAGE_DIR = "/in/image"
IMAGE_TAR = f"{IMAGE_DIR}/image.tar"
OVERRIDE = "/in/compose.shipyard.yaml"
LOCAL_TAG = "shipyard-compose-under-test:latest"
LOAD_ARGV = ("docker", "load", "--input", IMAGE_TAR)
LOADED_PREFIXES = ("Loaded image ID: ", "Loaded image: ")
"""How `docker load` names what it loaded (an untagged archive only by id)."""
ATTEMPT_ENV = "SHIPYARD_PROBE_ATTEMPT"
"""Set to "<probe>.<attempt>" on each attempt's exec, so the engine runs every attempt afresh."""
PROBE_SOURCE = resources.files("shipyard.stages").joinpath("compose_probe.py").read_text(encoding="utf-8")
"""The core's probe helper, run with `python -c` (standard library only)."""


def dockerd() -> dagger.Service:
    """A private Docker daemon (its own cache volume, so nothing leaks between pipelines)."""
    return (
        dag.container()
        .from_(DIND_IMAGE)
        .with_mounted_cache(
            "/var/lib/docker", dag.cache_volume(DOCKER_CACHE), sharing=dagger.CacheSharingMode.PRIVATE
        )
        .with_exposed_port(DOCKERD_PORT)
        .as_service(
            args=["dockerd", f"--host=tcp://0.0.0.0:{DOCKERD_PORT}", "--tls=false"],
            insecure_root_capabilities=True,
        )
    )


def override(step: ComposeStep) -> str:
    """A compose override that runs the service under test from the image just built."""
    if step.service is None or step.image_from is None:
        return "services: {}\n"
    return f"services:\n  {step.service}:\n    image: {LOCAL_TAG}\n    pull_policy: never\n"


def compose_argv(step: ComposeStep, *args: str) -> list[str]:
    """`docker compose` with the project's file and the override."""
    return ["docker", "compose", "-f", step.file, "-f", OVERRIDE, *args]


def config_argv(step: ComposeStep) -> list[str]:
    """`docker compose config` of the project's file alone (the override would add the service)."""
    return ["docker", "compose", "-f", step.file, "config", "--format", "json"]


def up_argv(step: ComposeStep) -> list[str]:
    """`docker compose up --wait` within the core's timeout."""
    return compose_argv(
        step, "up", "--detach", "--wait", "--wait-timeout", str(int(step.timeout)), "--no-build"
    )


def tag_argv(loaded: str) -> list[str]:
    """Tag what `docker load` loaded as the image the override names."""
    return ["docker", "tag", loaded, LOCAL_TAG]


def loaded_image(output: str) -> str:
    """The id or name `docker load` printed last, or "" when it printed none."""
    found = [
        line.strip().removeprefix(prefix)
        for line in output.splitlines()
        for prefix in LOADED_PREFIXES
        if line.strip().startswith(prefix)
    ]
    return found[-1] if found else ""


def cli(
    step: ComposeStep,
    tree: dagger.Directory,
    image: dagger.Directory | None,
    daemon: dagger.Service,
    *,
    nonce: str,
) -> dagger.Container:
    """The docker CLI bound to the daemon, with the project's files and the built image; nothing run yet."""
    ctr = (
        dag.container()
        .from_(CLI_IMAGE)
        .with_service_binding(DOCKER_ALIAS, daemon)
        .with_env_variable("DOCKER_HOST", f"tcp://{DOCKER_ALIAS}:{DOCKERD_PORT}")
        .with_env_variable("SHIPYARD_RUN", nonce)
        .with_directory(WORKDIR, tree)
        .with_workdir(WORKDIR)
        .with_new_file(OVERRIDE, override(step))
    )
    return ctr if image is None else ctr.with_directory(IMAGE_DIR, image)


def prober(step: ComposeStep, daemon: dagger.Service, *, nonce: str) -> dagger.Container:
    """A container of the core's probe image that reaches the daemon (and its published ports)."""
    return (
        dag.container()
        .from_(step.probe_image)
        .with_service_binding(DOCKER_ALIAS, daemon)
        .with_env_variable("SHIPYARD_RUN", nonce)
    )


def port_argv(step: ComposeStep, probe: HttpProbe | TcpProbe) -> list[str]:
    """Where the daemon publishes the probe's container port (`docker compose port`)."""
    return compose_argv(step, "port", probe.service, str(probe.port))


def published_port(output: str) -> int | None:
    """The host port of `docker compose port` output ("0.0.0.0:32768"), or None."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    port = lines[0].rpartition(":")[2] if lines else ""
    return int(port) if port.isdigit() else None


def exec_argv(step: ComposeStep, probe: ExecProbe) -> list[str]:
    """An exec probe's command inside its service's container."""
    return compose_argv(step, "exec", "-T", probe.service, *probe.command)


def helper_argv(step: ComposeStep, probe: HttpProbe | TcpProbe, port: int) -> list[str]:
    """The core's probe helper for one HTTP or TCP attempt against the daemon's published port."""
    kind, path = ("http", probe.path) if isinstance(probe, HttpProbe) else ("tcp", "")
    timeout = f"{step.probe_timeout:g}"
    return ["python", "-c", PROBE_SOURCE, kind, DOCKER_ALIAS, str(port), path, timeout, str(OUTPUT_LIMIT)]


async def observe_exec(
    ctr: dagger.Container, argv: Sequence[str]
) -> tuple[dagger.Container, CommandRun, str]:
    """Run one command that may fail: the container after it, how it ended, and its stdout alone."""
    done = ctr.with_exec(list(argv), expect=dagger.ReturnType.ANY)
    code = await done.exit_code()
    output = await done.combined_output()
    stdout = await done.stdout()
    return done, CommandRun(argv=tuple(argv), exit_code=code, output=tail(output)), stdout


async def load_image(ctr: dagger.Container) -> tuple[dagger.Container, CommandRun]:
    """`docker load` the built image into the daemon and tag it; one CommandRun for both steps."""
    loaded, load, stdout = await observe_exec(ctr, LOAD_ARGV)
    if load.exit_code != 0:
        return loaded, load
    tagged, tag, _ = await observe_exec(loaded, tag_argv(loaded_image(stdout)))
    both = CommandRun(
        argv=(*LOAD_ARGV, "&&", *tag.argv),
        exit_code=tag.exit_code,
        output=tail(f"{load.output}\n{tag.output}"),
    )
    return tagged, both


async def inspect_services(up: dagger.Container, step: ComposeStep) -> tuple[ServiceState, ...]:
    """State, health and healthcheck log of every container of the stack (`docker inspect`)."""
    _, listed, ids = await observe_exec(up, compose_argv(step, "ps", "--all", "--quiet"))
    if listed.exit_code != 0 or not ids.split():
        return ()
    _, inspected, text = await observe_exec(up, ["docker", "inspect", *ids.split()])
    return services_from_inspect(text, source="docker inspect") if inspected.exit_code == 0 else ()


async def attempt_fields(
    step: ComposeStep, up: dagger.Container, probe_ctr: dagger.Container, probe: AnyProbe, tag: str
) -> dict[str, object]:
    """What one probe attempt saw, as ProbeAttempt fields; `tag` keeps the engine from caching it."""
    started = time.monotonic()
    if isinstance(probe, ExecProbe):
        _, done, _ = await observe_exec(up.with_env_variable(ATTEMPT_ENV, tag), exec_argv(step, probe))
        return {
            "exit_code": done.exit_code,
            "body": done.output,
            "seconds": round(time.monotonic() - started, 3),
        }
    _, port_run, printed = await observe_exec(up.with_env_variable(ATTEMPT_ENV, tag), port_argv(step, probe))
    port = published_port(printed) if port_run.exit_code == 0 else None
    if port is None:
        said = port_run.output.strip().splitlines()[-1:] or ["no output"]
        return {"error": f"port {probe.port} of service {probe.service!r} is not published: {said[0]}"}
    _, helper, reply = await observe_exec(
        probe_ctr.with_env_variable(ATTEMPT_ENV, tag), helper_argv(step, probe, port)
    )
    return read_reply(reply, helper.exit_code)
