"""Progress while a run goes: a live table on a terminal, one line per event otherwise.

rich is imported only where it draws: `--json` prints its events as plain lines (`PlainLines`),
so a warm run whose every stage is a cache hit loads no rich at all.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table
    from typing_extensions import Self

    from shipyard.runner import RunState, StageRun


class Lines(Protocol):
    """Where the run's lines go: a rich Console, or `PlainLines` for `--json`."""

    @property
    def is_terminal(self) -> bool:
        """Whether a human watches (a live table) or a pipe reads (one line per event)."""
        ...

    def print(self, *objects: object, markup: bool | None = None, highlight: bool | None = None) -> None:
        """Print one line (rich markup such as `[yellow]...[/]` unless markup=False)."""
        ...


_MARKUP_TAG = re.compile(r"(?<!\\)\[[a-z#/@][^\[]*?\]")
"""A rich markup tag (rich.markup's RE_TAGS: a tag starts with a letter, #, / or @): `[06:12:24]` is none."""


class PlainLines:
    """`--json`'s progress on stderr: plain text lines, markup tags dropped, nothing wrapped."""

    is_terminal = False

    def __init__(self, file: IO[str] | None = None) -> None:
        self.file = file

    def print(self, *objects: object, markup: bool | None = None, highlight: bool | None = None) -> None:  # noqa: ARG002 - as rich's
        """Write the objects as one line."""
        text = " ".join(str(o) for o in objects)
        if markup is not False:
            text = _MARKUP_TAG.sub("", text)
        print(text, file=self.file or sys.stderr, flush=True)


STYLES = {
    "passed": "green",
    "failed": "red",
    "error": "bold red",
    "skipped": "yellow",
    "n/a": "dim",
}


PIPE_WIDTH = 100_000
"""The console width when output goes to a pipe or file (CI logs): lines are never wrapped."""


def output_console(*, stderr: bool = False, file: IO[str] | None = None) -> Console:
    """The run's console: the terminal's width on a terminal; no wrapping in a pipe unless COLUMNS is set."""
    from rich.console import Console  # noqa: PLC0415 - see the module's doc

    console = Console(stderr=stderr, file=file)
    if console.is_terminal or os.environ.get("COLUMNS"):
        return console
    return Console(stderr=stderr, file=file, width=PIPE_WIDTH)


def _status(run: StageRun) -> str:
    return run.result.status.value if run.result else run.state


class LiveView:
    """RunEvents for humans: spinner, elapsed time, cache hit and result per stage."""

    def __init__(self, state: RunState, console: Lines, *, verbose: bool = False) -> None:
        self.state = state
        self.console = console
        self.verbose = verbose
        self._live: Live | None = None
        self._last_line: dict[str, str] = {}

    def __enter__(self) -> Self:
        if self.console.is_terminal:
            from rich.console import Console  # noqa: PLC0415 - see the module's doc
            from rich.live import Live  # noqa: PLC0415 - as above

            assert isinstance(self.console, Console)  # noqa: S101 - PlainLines is never a terminal
            self._live = Live(self._render(), console=self.console, refresh_per_second=8, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)

    def _render(self) -> Table:
        from rich.spinner import Spinner  # noqa: PLC0415 - see the module's doc
        from rich.table import Table  # noqa: PLC0415 - as above
        from rich.text import Text  # noqa: PLC0415 - as above

        table = Table.grid(padding=(0, 2))
        for run in self.state.runs.values():
            status = _status(run)
            if run.state == "running":
                icon: Spinner | Text = Spinner("dots", style="cyan")
            else:
                icon = Text("●" if run.result else "·", style=STYLES.get(status, "dim"))
            cached = Text("cache hit", style="cyan") if run.cached else Text("")
            detail = run.result.summary if run.result else self._last_line.get(run.stage.id, "")
            table.add_row(
                icon,
                Text(run.stage.id, style="bold"),
                Text(f"{run.elapsed:6.1f}s" if run.started else "", style="dim"),
                cached,
                Text(status, style=STYLES.get(status, "")),
                Text(detail[:100], overflow="ellipsis", no_wrap=True),
            )
        return table

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._render())

    def stage_started(self, run: StageRun) -> None:
        """Show the stage as running."""
        if self._live is None:
            self.console.print(
                f"[{time.strftime('%H:%M:%S')}] {run.stage.id}: started ({run.stage.description})"
            )
        self._refresh()

    def stage_finished(self, run: StageRun) -> None:
        """Show the verdict."""
        if self._live is None and run.result is not None:
            hit = " (cache hit)" if run.cached else ""
            self.console.print(
                f"[{time.strftime('%H:%M:%S')}] {run.stage.id}: {run.result.status.value}{hit} "
                f"in {run.elapsed:.1f}s: {run.result.summary}",
                markup=False,
                highlight=False,
            )
        self._refresh()

    def stage_log(self, run: StageRun, line: str) -> None:
        """Keep the stage's latest output line (printed too when verbose)."""
        self._last_line[run.stage.id] = line
        if self.verbose:
            self.console.print(f"{run.stage.id} | {line}", markup=False, highlight=False)
        self._refresh()


def summary_table(data: dict[str, object]) -> Table:
    """The final table: one row per stage."""
    from rich.table import Table  # noqa: PLC0415 - see the module's doc
    from rich.text import Text  # noqa: PLC0415 - as above

    table = Table(title="shipyard run", show_lines=False)
    for column in ("stage", "status", "time", "cache", "result"):
        table.add_column(column)
    stages: list[dict[str, object]] = data["stages"]  # pyright: ignore[reportAssignmentType]
    for stage in stages:
        status = str(stage["status"])
        table.add_row(
            str(stage["id"]),
            Text(status, style=STYLES.get(status, "")),
            f"{stage['seconds']}s",
            "hit" if stage["cached"] else "",
            Text(str(stage["summary"])),
        )
    return table
