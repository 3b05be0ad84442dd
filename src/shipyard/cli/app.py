"""The click group and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import sys

import click

from shipyard import __version__
from shipyard.errors import ShipyardError

COMMANDS = {
    "init": "init_cmd",
    "run": "run_cmd",
    "plan": "plan_cmd",
    "debug": "debug_cmd",
    "cache": "cache_cmd",
    "engine": "engine_cmd",
    "serve": "serve_cmd",
}
"""Each subcommand and the module of shipyard.cli that holds it (imported only when it is used)."""


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs (or help lists it).

    `shipyard run` on a warm tree costs little more than its plan: importing every subcommand's
    module (init's TOML editor, serve's client, plan's tables) would add a tenth of that.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand, sorted (as click's own group lists them)."""
        del ctx
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand, its module imported now; None for an unknown name (click says so)."""
        del ctx
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"shipyard.cli.{COMMANDS[cmd_name]}")
        command: click.Command = module.command
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="shipyard")
def cli() -> None:
    """shipyard: one pipeline graph for Python projects, on Dagger or a plain Docker Engine."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; a ShipyardError becomes one line on stderr and its exit code."""
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
