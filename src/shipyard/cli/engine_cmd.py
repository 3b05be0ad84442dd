"""`shipyard engine bootstrap`: a Docker Engine with seeded images on an air-gapped Debian host."""

from __future__ import annotations

import sys

import click


@click.group("engine")
def command() -> None:
    """Manage the local container engine shipyard's Docker executor uses."""


@command.command("bootstrap", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bootstrap(args: tuple[str, ...]) -> None:
    """Install and start dockerd, registries and seeded images (Debian 12, root, idempotent)."""
    from shipyard.bootstrap import main  # noqa: PLC0415 - only this command needs it

    code = main(list(args))
    if code:
        sys.exit(code)
