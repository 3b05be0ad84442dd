"""The publish stage's log: every line scrubbed of secret values before it is written or shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.stages.spec import LOG_FILE

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.executor import StepContext


class PublishLog:
    """Writes scrubbed lines to the stage's log file and the live view."""

    def __init__(self, context: StepContext, scrub: Callable[[str], str]) -> None:
        self._context = context
        self.scrub = scrub
        """Masks secret values; replaced once every secret is known."""

    def __call__(self, line: str) -> None:
        """Log one line."""
        clean = self.scrub(line)
        with (self._context.out_dir / LOG_FILE).open("a", encoding="utf-8") as log:
            log.write(clean + "\n")
        self._context.log(clean)
