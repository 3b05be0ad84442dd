"""The one way the bootstrap runs a command: argv list in, stdout out, BootstrapError on failure."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

_TAIL_CHARS = 400


def _tail(text: str) -> str:
    """The last few hundred characters of a command's output, on one line."""
    flat = " ".join(text.split())
    return flat[-_TAIL_CHARS:] if flat else "no output"


def run(
    argv: Sequence[str],
    *,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 900,
    fix: str | None = None,
    cwd: Path | None = None,
    ok_codes: tuple[int, ...] = (0,),
) -> str:
    """Run `argv`, return its stdout; raise BootstrapError naming the command and its stderr tail."""
    full_env = {**os.environ, **env} if env else None
    try:
        done = subprocess.run(
            list(argv), input=stdin, capture_output=True, env=full_env, timeout=timeout, check=False, cwd=cwd
        )
    except FileNotFoundError as exc:
        raise BootstrapError(f"`{argv[0]}` is not installed", fix=fix or "re-run the bootstrap") from exc
    except subprocess.TimeoutExpired as exc:
        raise BootstrapError(
            f"`{' '.join(argv)}` did not finish within {timeout:.0f} s", fix=fix or "re-run the bootstrap"
        ) from exc
    if done.returncode not in ok_codes:
        err = done.stderr.decode(errors="replace") or done.stdout.decode(errors="replace")
        raise BootstrapError(
            f"`{' '.join(argv)}` exited {done.returncode}: {_tail(err)}",
            fix=fix or "read the error above, correct it and re-run the bootstrap",
        )
    return done.stdout.decode(errors="replace")


def succeeds(argv: Sequence[str], *, timeout: float = 60) -> bool:
    """Whether `argv` exits 0 (a missing program or a timeout count as failure)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, timeout=timeout, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
