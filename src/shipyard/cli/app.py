"""The click group and the one place errors become exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shipyard import __version__
from shipyard.errors import ShipyardError

if TYPE_CHECKING:
    from collections.abc import Callable

PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def selection_options(func: Callable[..., object]) -> Callable[..., object]:
    """Options shared by run, plan and debug: which project, which stages."""
    options = [
        click.option(
            "--source",
            type=click.Path(path_type=Path),
            default=Path(),
            show_default=True,
            help="The project directory.",
        ),
        click.option(
            "--tier",
            type=click.Choice(["essential", "extended", "full"]),
            help="A named selection of stages (default: the project's tier).",
        ),
        click.option(
            "--python",
            "pythons",
            multiple=True,
            type=click.Choice(PYTHONS),
            help="Only these Python versions of the test matrix.",
        ),
        click.option(
            "--platform",
            "platforms",
            multiple=True,
            type=click.Choice(["linux/amd64", "linux/arm64"]),
            help="Build for these platforms.",
        ),
        click.option(
            "--skip", multiple=True, metavar="STAGE", help="Leave out a stage or group and what needs it."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shipyard")
def cli() -> None:
    """shipyard: one pipeline graph for Python projects, on Dagger or a plain Docker Engine."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; a ShipyardError becomes one line on stderr and its exit code."""
    from shipyard.cli import (  # noqa: PLC0415 - registers commands
        debug_cmd,
        engine_cmd,
        plan_cmd,
        run_cmd,
        serve_cmd,
    )

    for module in (run_cmd, plan_cmd, debug_cmd, engine_cmd, serve_cmd):
        cli.add_command(module.command)
    try:
        cli.main(args=argv, prog_name="shipyard", standalone_mode=False)
    except ShipyardError as exc:
        click.echo(f"shipyard: error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("shipyard: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
