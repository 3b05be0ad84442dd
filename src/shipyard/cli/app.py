"""The click group and the one place errors become exit codes."""

from __future__ import annotations

import sys

import click

from shipyard import __version__
from shipyard.errors import ShipyardError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shipyard")
def cli() -> None:
    """shipyard: one pipeline graph for Python projects, on Dagger or a plain Docker Engine."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; a ShipyardError becomes one line on stderr and its exit code."""
    from shipyard.cli import (  # noqa: PLC0415 - registers commands
        cache_cmd,
        debug_cmd,
        engine_cmd,
        init_cmd,
        plan_cmd,
        run_cmd,
        serve_cmd,
    )

    for module in (init_cmd, run_cmd, plan_cmd, debug_cmd, cache_cmd, engine_cmd, serve_cmd):
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
