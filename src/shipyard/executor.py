"""The executor interface: the small set of operations an engine must offer to run a plan.

An executor translates one stage action at a time. It decides nothing a stage means: it runs,
copies files in and out, and reports facts in a StageOutcome. The runner does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.spec import Stage, VolumeFile


@dataclass(frozen=True)
class StepContext:
    """What an executor needs besides the stage itself."""

    root: Path
    """The project directory."""
    files: tuple[str, ...]
    """The project files the stage reads (its filter applied), relative to `root`."""
    out_dir: Path
    """Where the stage's reports go; exists and is empty when the step starts."""
    upstream: Mapping[str, Path] = field(default_factory=dict[str, "Path"])
    """Output directories of the stages this one needs, by stage id."""
    secrets: Mapping[str, str] = field(default_factory=dict[str, str])
    """Secret values by name; executors place them in files or env, never in argv or logs."""
    log: Callable[[str], None] = print
    """Where progress lines go (the live view, or a log)."""


ABSENT = "absent"
"""What `Executor.observe` reports for a file (or its volume) the engine does not have."""


class Executor(Protocol):
    """An engine that can run stage actions."""

    name: str

    async def run(self, stage: Stage, context: StepContext) -> StageOutcome:
        """Run the stage's action and report what happened; raise only for engine-level failures."""
        ...

    async def restore(self, stage: Stage, out_dir: Path) -> None:
        """Make a cache hit usable downstream (e.g. load a cached image back into the engine)."""
        ...

    async def close(self) -> None:
        """Remove everything this executor started (containers, networks, temporary volumes)."""
        ...

    async def observe(self, files: tuple[VolumeFile, ...]) -> tuple[str, ...]:
        """Each file's `sha256:<hex>` as the engine holds it now, or `absent` (Stage.observes)."""
        ...
