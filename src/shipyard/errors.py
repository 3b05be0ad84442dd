"""One error hierarchy: every message says what failed, where, and what to do next.

Library code raises these; only the CLI turns them into an exit status. Each class carries
the exit code the CLI uses, so a script can tell a config typo from a dead engine.
"""

from __future__ import annotations


class ShipyardError(Exception):
    """Base class: a failure the user can act on, described in one line."""

    exit_code: int = 1

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message and the fix, as the CLI prints them."""
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message


class ConfigError(ShipyardError):
    """The project's configuration is missing, malformed or names something that does not exist."""

    exit_code = 2


class ReportError(ShipyardError):
    """A tool's report is missing, malformed, or came from another tool."""

    exit_code = 3


class EngineError(ShipyardError):
    """The container engine is unreachable or refused an operation."""

    exit_code = 4


class ImageNotFoundError(EngineError):
    """An image is not present locally and cannot be pulled."""


class StageError(ShipyardError):
    """A stage could not run at all (as opposed to running and failing its gate)."""

    exit_code = 5


class BootstrapError(ShipyardError):
    """The engine bootstrap cannot proceed on this machine."""

    exit_code = 6


class PublishError(ShipyardError):
    """Publishing was refused by preflight or failed; nothing partial was left behind."""

    exit_code = 7


class GateFailedError(ShipyardError):
    """The pipeline ran and at least one gate failed."""

    exit_code = 1
