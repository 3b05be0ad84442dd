"""Where a leg keeps the directories its setup writes: in the engine's memory when they fit.

A venv is a thousand small files, and what makes them slow is creating them on the engine's
disk: on an ext4 data root, `cp -a` of webapp's 30 MB venv into a volume or the container's
overlay takes 0.5-1.6 s, into a tmpfs 0.08 s (bench notes in docs/benchmarks.md). So the
directories a leg's setup writes (spec.Environment.writes) are tmpfs mounts of its container,
each capped at a share of the engine's memory, and volumes on disk otherwise:

- a leg that reuses a kept environment knows its size: in memory when twice that fits the cap
  (room for the project's install and its bytecode), else on disk;
- a leg that prepares one does not: in memory up to the cap; when a command fails with those
  directories full (a setup larger than the cap), the leg runs again on disk (`outgrew`).

The cap: SHIPYARD_ENV_MEMORY (`2G`, `500M`, bytes; `0` keeps them on disk), else a sixteenth of
the engine's memory (1.5 GiB on a 24 GiB host) per leg — a matrix of five legs holds at most a
third of it, and only what the files take: a tmpfs grows as it is written.
"""

from __future__ import annotations

import os

from shipyard.plan.cache_bound import max_bytes

MEMORY_ENV = "SHIPYARD_ENV_MEMORY"
SHARE = 16
"""The cap is the engine's memory over this, per leg."""
HEADROOM = 2
"""A reusing leg goes in memory when its kept size times this fits the cap."""
FULL = 0.9
"""A directory this full of its cap is full (the write that failed may have been large)."""
NO_SPACE = ("No space left on device", "os error 28", "Errno 28")
"""How ENOSPC reads in a failed command's output (strerror; Rust's and Python's errno forms)."""


def memory_cap(engine_memory: int) -> int:
    """Bytes each setup-written directory of a leg may take in memory; 0: on disk."""
    value = os.environ.get(MEMORY_ENV, "").strip()
    return max_bytes(value, name=MEMORY_ENV) if value else max(engine_memory, 0) // SHARE


def reuse_cap(kept_size: int, cap: int) -> int:
    """The cap for a leg restoring an environment of `kept_size` bytes: `cap`, or 0 when it does not fit."""
    return cap if cap > 0 and kept_size * HEADROOM <= cap else 0


def tmpfs_options(paths: tuple[str, ...], cap: int) -> dict[str, str]:
    """The tmpfs mounts: executable (a venv holds scripts and extension modules), at most `cap` bytes each."""
    return dict.fromkeys(paths, f"exec,mode=755,size={cap}")


DF_ARGV = ("df", "-Pk")
"""What the leg runs, with the directories after it, to see how full they are."""


def outgrew(df_output: str, output_tail: str, cap: int) -> bool:
    """Whether a failed command ran out of the in-memory directories' room.

    `df_output`: `df -Pk` of the directories (POSIX format: used kilobytes in the third column).
    Either the failed command says ENOSPC, or one of them is all but full.
    """
    if cap <= 0:
        return False
    if any(text in output_tail for text in NO_SPACE):
        return True
    for line in df_output.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 3 and fields[2].isdigit() and int(fields[2]) * 1024 >= cap * FULL:  # noqa: PLR2004
            return True
    return False
