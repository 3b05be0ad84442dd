"""Looking for secret values where they must never be: any process's argv, an image's layers."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import tarfile
import threading
import time
from pathlib import Path
from typing import Self

GZIP_MAGIC = b"\x1f\x8b"


class ArgvSampler:
    """Samples every process's command line until stopped; remembers the ones holding a secret."""

    def __init__(self, values: list[str]) -> None:
        self.values = [v.encode() for v in values]
        self.hits: list[str] = []
        self.samples = 0
        self.processes: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        me = str(os.getpid())
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit() or proc.name == me:
                    continue
                try:
                    argv = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                program = argv.split(b"\0", 1)[0].decode(errors="replace")
                self.processes.add(program)
                self.hits += [f"pid {proc.name}: {program}" for value in self.values if value in argv]
            self.samples += 1
            time.sleep(0.05)


def image_leaks(image: str, values: list[str]) -> tuple[int, list[str]]:
    """How many files of `docker save IMAGE` were read, and where a value was found (layers unpacked)."""
    saved = subprocess.run(["docker", "save", image], capture_output=True, check=True).stdout
    checked = 0
    leaks: list[str] = []
    with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
        for member in archive.getmembers():
            handle = archive.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            content = handle.read()
            if content[:2] == GZIP_MAGIC:
                content = gzip.decompress(content)
            checked += 1
            leaks += [f"{member.name}: {v[:4]}…" for v in values if v.encode() in content]
            if member.name.endswith(".tar") or content[257:262] == b"ustar":
                with tarfile.open(fileobj=io.BytesIO(content)) as layer:
                    for entry in layer.getmembers():
                        data = layer.extractfile(entry) if entry.isfile() else None
                        if data is not None:
                            blob = data.read()
                            leaks += [
                                f"{member.name}:{entry.name}: {v[:4]}…" for v in values if v.encode() in blob
                            ]
    return checked, leaks
