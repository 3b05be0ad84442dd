"""What the bootstrap tells the user: one line per step with its timing, and a final summary."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Generator

from contextlib import contextmanager


@dataclass
class Report:
    """Collects step lines and the things this machine could not provide."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    missing: list[str] = field(default_factory=list[str])
    """Things asked for that could not be provided, with the reason."""
    notes: list[str] = field(default_factory=list[str])
    """Things provided differently than asked (e.g. a stand-in of another version)."""
    done: list[str] = field(default_factory=list[str])
    """Steps that changed something."""
    started_at: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def line(self, subject: str, text: str) -> None:
        """Print one `[bootstrap] subject: text` line."""
        with self._lock:
            print(f"[bootstrap] {subject}: {text}", file=self.out, flush=True)

    def present(self, subject: str) -> None:
        """Report a step that had nothing to do."""
        self.line(subject, "already present")

    def cannot(self, subject: str, reason: str) -> None:
        """Report something this machine cannot provide; it is repeated in the summary."""
        with self._lock:
            self.missing.append(f"{subject}: {reason}")
        self.line(subject, f"NOT PROVIDED - {reason}")

    def note(self, subject: str, text: str) -> None:
        """Report something provided differently than asked; it is repeated in the summary."""
        with self._lock:
            self.notes.append(f"{subject}: {text}")
        self.line(subject, text)

    @contextmanager
    def step(self, subject: str, verb: str) -> Generator[None, None, None]:
        """Time a step that changes something and report `subject: verb in N s`."""
        start = time.monotonic()
        yield
        with self._lock:
            self.done.append(subject)
        self.line(subject, f"{verb} in {time.monotonic() - start:.1f} s")

    def summary(self) -> None:
        """Print the closing lines: total time, how many steps changed something, what is missing."""
        total = time.monotonic() - self.started_at
        changed = f"{len(self.done)} step(s) changed something" if self.done else "nothing to do"
        self.line("done", f"{changed}, {total:.1f} s total")
        for item in self.notes:
            self.line("differs", item)
        for item in self.missing:
            self.line("not provided", item)
