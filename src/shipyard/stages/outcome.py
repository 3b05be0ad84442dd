"""What an executor hands back after running a stage's action: facts, no judgement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class CommandOutcome:
    """How one command of a container step ended."""

    label: str
    argv: tuple[str, ...]
    exit_code: int
    output_tail: str = ""
    """The last lines of the command's combined output (for messages; the full log is a report)."""


@dataclass(frozen=True)
class StageOutcome:
    """Everything `evaluate` may look at: exit codes, the stage's output directory, metadata."""

    stage_id: str
    out_dir: Path
    """Host directory holding the files the action wrote (the container's OUTDIR, copied out)."""
    commands: tuple[CommandOutcome, ...] = ()
    error: str | None = None
    """Set when the action could not run to the end (engine error, missing image, timeout)."""
    metadata: dict[str, str] = field(default_factory=dict[str, str])
    """Executor facts worth reporting: image id, size, digest, platform."""

    def exit_code(self, label: str) -> int | None:
        """Exit code of the command with that label, or None when it did not run."""
        for command in self.commands:
            if command.label == label:
                return command.exit_code
        return None
