"""The docker CLI as the emulator calls it, and the error a failed query raises."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from graphql import GraphQLError

LABEL = "dev.shipyard.engine-emulator"
"""Every image, container, network and volume the emulator makes carries this label, valued with
its session id: a session removes only its own (two test runs may share the engine)."""
PROFILE = "SHIPYARD_EMULATOR_PROFILE"
"""A file to append `<seconds> docker <subcommand>` to for each call (where an emulated test's time goes)."""


class EmulatorError(GraphQLError):
    """A query the engine would fail, with the engine's error extensions when it has them."""


def docker(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """The docker CLI; a failure is an EmulatorError with docker's message."""
    started = time.monotonic()
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, env=env, timeout=1800
    )
    if os.environ.get(PROFILE):
        with Path(os.environ[PROFILE]).open("a", encoding="utf-8") as profile:
            profile.write(f"{time.monotonic() - started:.2f} docker {args[0]}\n")
    if check and done.returncode != 0:
        raise EmulatorError(f"docker {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done
