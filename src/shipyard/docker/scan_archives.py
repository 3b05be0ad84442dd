"""The form of a built image that scanners read, derived from the build's one archive, once a run.

A build stage keeps one archive, the OCI layout `docker save` writes (what publish pushes). syft's
`docker-archive:` and trivy's `--input` are handed a docker-archive with uncompressed layers
instead (spec.ImageInput); it is written here, in a temporary directory of the run, at most once
per build even when two steps read it at the same time, and removed when the run ends.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from shipyard.oci.docker_archive import to_docker_archive
from shipyard.stages.build import IMAGE_TAR


class ScanArchives:
    """Docker-archives of this run's built images, made on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[Path, Path] = {}
        self._making: dict[Path, threading.Lock] = {}
        self._tmp: Path | None = None

    def get(self, build_out: Path, tag: str) -> Path:
        """The docker-archive of the image whose build wrote its outputs to `build_out`."""
        source = build_out / IMAGE_TAR
        with self._lock:
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="shipyard-scan-"))
            one = self._making.setdefault(source, threading.Lock())
            dest = self._tmp / f"{len(self._making)}-{build_out.name}.tar"
        with one:
            if source not in self._made:
                to_docker_archive(source, dest, tag=tag)
                self._made[source] = dest
            return self._made[source]

    def cleanup(self) -> None:
        """Remove every archive made in this run."""
        with self._lock:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
            self._made.clear()
            self._making.clear()
