"""An HTTP or TCP probe attempt made from a container on the engine, for an engine on another host.

A remote engine's container addresses are not routable from this machine (worse: the same
private address may belong to another container here). So each attempt runs the core's probe
helper (stages/compose_probe.py, standard library only) with `python -c` in a container of the
stage's probe image that shares the service container's network namespace, aimed at the same
address and port a local probe uses; its one JSON line is read back as the local probe's dict.
The container carries the run's label and is removed when it exits.
"""

from __future__ import annotations

import subprocess
from importlib import resources

from shipyard.docker.container_step import RUN_LABEL
from shipyard.stages.compose_observation import OUTPUT_LIMIT
from shipyard.stages.compose_probe import read_reply

PROBE_SOURCE = resources.files("shipyard.stages").joinpath("compose_probe.py").read_text(encoding="utf-8")
"""The core's probe helper, run with `python -c`."""
START_SECONDS = 60.0
"""Time a probe container may take to start, on top of the probe's own timeout."""


def probe_argv(  # noqa: PLR0917 - one attempt's facts, each a word of the command
    image: str,
    container: str,
    kind: str,
    address: str,
    port: int,
    path: str,
    timeout: float,
    *,
    run_id: str,
    pull: bool,
) -> list[str]:
    """`docker run` of the probe helper in `container`'s network namespace."""
    return [
        *("docker", "run", "--rm", "--network", f"container:{container}"),
        *(
            "--label",
            f"{RUN_LABEL}={run_id}",
            "--pull",
            "missing" if pull else "never",
            "--entrypoint",
            "python",
        ),
        *(image, "-c", PROBE_SOURCE, kind, address, str(port), path, f"{timeout:g}", str(OUTPUT_LIMIT)),
    ]


def observe_from_engine(  # noqa: PLR0917 - the same facts `compose_probe.observe` takes
    image: str,
    container: str,
    kind: str,
    address: str,
    port: int,
    path: str,
    timeout: float,
    *,
    run_id: str,
    pull: bool,
) -> dict[str, object]:
    """What one attempt saw, as `compose_probe.observe` reports it."""
    argv = probe_argv(image, container, kind, address, port, path, timeout, run_id=run_id, pull=pull)
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout + START_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"the probe container gave no answer within {timeout + START_SECONDS:g} s"}
    if done.returncode != 0 and not done.stdout.strip():
        said = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"the probe container could not run ({image}): {said[:300]}"}
    return read_reply(done.stdout, done.returncode)
