"""The docker CLI as the emulator calls it, and the error a failed query raises."""

from __future__ import annotations

import subprocess

from graphql import GraphQLError

LABEL = "dev.shipyard.engine-emulator"
"""Every image, container, network and volume the emulator makes carries this label, valued with
its session id: a session removes only its own (two test runs may share the engine)."""


class EmulatorError(GraphQLError):
    """A query the engine would fail, with the engine's error extensions when it has them."""


def docker(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The docker CLI; a failure is an EmulatorError with docker's message."""
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, env=env, timeout=1800
    )
    if check and done.returncode != 0:
        raise EmulatorError(f"docker {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done
