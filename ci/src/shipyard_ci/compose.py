"""A compose stage on Dagger: Docker-in-Docker as a service, `docker compose up --wait`, probes.

Everything the stage means (file, service, probes, timeouts) comes from the core's ComposeStep;
this module only expresses it with a dockerd service and a docker CLI container. UNCONFIRMED
(no engine here): the compose plugin in the docker:cli image, `docker load` of an
`as_tarball()` archive, busybox `wget`/`nc` in docker:cli for HTTP/TCP probes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, cast

import dagger
from dagger import dag

from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe
from shipyard.stages.compose import probe_label
from shipyard.stages.spec import WORKDIR

if TYPE_CHECKING:
    from shipyard.stages.spec import ComposeStep

DIND_IMAGE = "docker:27-dind"
"""UNPINNED: the core's tool table has no Docker image yet; pin it there by tag and digest."""
CLI_IMAGE = "docker:27-cli"
"""UNPINNED, as above."""
DOCKER_CACHE = "shipyard-dind"
DOCKERD_PORT = 2375
DOCKER_ALIAS = "docker"
IMAGE_DIR = "/in/image"
OVERRIDE = "/in/compose.shipyard.yaml"
LOCAL_TAG = "shipyard-compose-under-test:latest"
LOAD_SCRIPT = (
    'id="$(docker load -q -i "$1" | sed -n "s/^Loaded image ID: //p; s/^Loaded image: //p" | tail -n 1)"'
    ' && docker tag "$id" "$2"'
)
"""`docker load` names an untagged archive only by id; the stack needs it under a tag."""


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


def cli(
    step: ComposeStep,
    tree: dagger.Directory,
    image: dagger.Directory | None,
    daemon: dagger.Service,
    *,
    nonce: str,
) -> dagger.Container:
    """The docker CLI bound to the daemon, with the project's files and the stack up."""
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
    if image is not None:
        ctr = ctr.with_directory(IMAGE_DIR, image).with_exec(
            ["sh", "-c", LOAD_SCRIPT, "sh", f"{IMAGE_DIR}/image.tar", LOCAL_TAG]
        )
    return ctr.with_exec(
        compose_argv(step, "up", "--wait", "--wait-timeout", str(int(step.timeout)), "--no-build"),
        expect=dagger.ReturnType.ANY,
    )


def probe_argv(step: ComposeStep, probe: object) -> list[str]:
    """One probe attempt, run from the CLI container (published ports are on the daemon's host)."""
    timeout = str(max(1, int(step.probe_timeout)))
    if isinstance(probe, HttpProbe):
        url = f"http://{DOCKER_ALIAS}:{probe.port}{probe.path}"
        return ["wget", "-q", "-O", "-", "-T", timeout, url]
    if isinstance(probe, TcpProbe):
        return ["nc", "-z", "-w", timeout, DOCKER_ALIAS, str(probe.port)]
    if isinstance(probe, ExecProbe):
        return compose_argv(step, "exec", "-T", probe.service, *probe.command)
    msg = f"unknown probe {probe!r}"
    raise TypeError(msg)


def probe_problem(probe: object, exit_code: int, output: str) -> str | None:
    """Why one probe attempt failed, or None."""
    if isinstance(probe, HttpProbe):
        if probe.status // 100 != 2:  # noqa: PLR2004 - busybox wget only tells 2xx from the rest
            return f"{probe_label(probe)}: status {probe.status} cannot be checked with busybox wget"
        if exit_code != 0:
            return (
                f"http {probe.service}:{probe.port}{probe.path}: no {probe.status} answer (exit {exit_code})"
            )
        if probe.body is not None and probe.body not in output:
            return f"{probe_label(probe)}: body lacks {probe.body!r}"
        return None
    if exit_code != 0:
        return f"{probe_label(probe)}: failed (exit {exit_code})"
    return None


def services(ps_output: str) -> dict[str, str]:
    """Service → state/health from `docker compose ps --format json` (array or one object a line)."""
    text = ps_output.strip()
    rows: list[object] = []
    if text.startswith("["):
        rows = cast("list[object]", json.loads(text))
    elif text:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    found: dict[str, str] = {}
    for row in rows:
        if isinstance(row, dict):
            item = cast("dict[str, object]", row)
            health = str(item.get("Health") or "")
            found[str(item.get("Service", "?"))] = health or str(item.get("State", ""))
    return found
