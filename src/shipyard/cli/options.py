"""Command-line options shared by the commands that select stages; choices from the config's constants."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from shipyard.config.models import PLATFORMS, PYTHON_VERSIONS, TIERS
from shipyard.session import Selection, focus_note, open_session

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.session import Session


def stage_options(func: Callable[..., object]) -> Callable[..., object]:
    """Options of every command that picks stages: which project, which Pythons and platforms."""
    options = [
        click.option(
            "--source",
            type=click.Path(path_type=Path),
            default=Path(),
            show_default=True,
            help="The project directory.",
        ),
        click.option(
            "--python",
            "pythons",
            multiple=True,
            type=click.Choice(PYTHON_VERSIONS),
            help="Only these Python versions of the test matrix.",
        ),
        click.option(
            "--package",
            "packages",
            multiple=True,
            metavar="NAME",
            help="In a uv workspace: only this member's lint and test stages (default: --source's member).",
        ),
        click.option(
            "--platform",
            "platforms",
            multiple=True,
            type=click.Choice(PLATFORMS),
            help="Build for these platforms.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def selection_options(func: Callable[..., object]) -> Callable[..., object]:
    """Options shared by run and plan: the stage options, a tier, and stages to leave out."""
    options = [
        click.option(
            "--tier",
            type=click.Choice(TIERS),
            help="A named selection of stages (default: the project's tier).",
        ),
        click.option(
            "--skip", multiple=True, metavar="STAGE", help="Leave out a stage or group and what needs it."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return stage_options(func)


def open_selected(
    source: Path,
    *,
    stages: tuple[str, ...],
    tier: str | None,
    pythons: tuple[str, ...],
    packages: tuple[str, ...],
    platforms: tuple[str, ...],
    skip: tuple[str, ...],
    out: Path | None = None,
) -> Session:
    """The session of run's and plan's selection; says when --source named a workspace member."""
    selection = Selection(
        names=stages,
        tier=tier,  # pyright: ignore[reportArgumentType] - click.Choice narrows it
        pythons=pythons,
        packages=packages,
        platforms=platforms,
        skip=skip,
    )
    session = open_session(source, selection, out=out)
    if note := focus_note(session.project):
        click.echo(f"note: {note}", err=True)
    return session
