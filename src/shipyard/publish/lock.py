"""One publish at a time per repository."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import PublishError

if TYPE_CHECKING:
    from collections.abc import Generator

LOCK_TIMEOUT = 600.0
"""Seconds a publish waits for another publish of the same repository (SHIPYARD_PUBLISH_LOCK_TIMEOUT)."""


def lock_timeout() -> float:
    """The configured wait, from SHIPYARD_PUBLISH_LOCK_TIMEOUT or the default."""
    value = os.environ.get("SHIPYARD_PUBLISH_LOCK_TIMEOUT")
    return float(value) if value else LOCK_TIMEOUT


@contextlib.contextmanager
def publish_lock(repository: str, *, timeout: float, directory: Path | None = None) -> Generator[None]:
    """Hold an exclusive lock for publishing to `repository`; wait up to `timeout` seconds for it.

    One lock per repository (not per tag set): two publishes that share any tag, `latest` say,
    must not interleave their tag moves and rollbacks.
    """
    name = hashlib.sha256(repository.encode()).hexdigest()[:16]
    path = (directory or Path(tempfile.gettempdir())) / f"shipyard-publish-{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishError(
                        f"another publish to {repository} still holds {path} after {timeout:.0f}s",
                        fix="wait for it to finish (or raise SHIPYARD_PUBLISH_LOCK_TIMEOUT) and re-run",
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
