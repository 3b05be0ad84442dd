"""`shipyard cache`: what the stage cache of a project holds, and pruning it and the engine's environments."""

from __future__ import annotations

from pathlib import Path

import click

from shipyard.plan.cache_bound import MAX_ENV, entries, max_bytes, prune
from shipyard.reports.stage_dirs import project_stage_ids
from shipyard.session import Selection, open_session


@click.group("cache")
def command() -> None:
    """Inspect and prune the stage cache (.shipyard/cache of the project)."""


@command.command("prune")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="The project directory.",
)
@click.option("--all", "everything", is_flag=True, help="Remove every cached stage, not only stale ones.")
@click.option(
    "--max-size",
    default=None,
    metavar="SIZE",
    help=f"Keep the cache under SIZE (500M, 4G; default ${MAX_ENV} or 4G).",
)
def prune_command(source: Path, *, everything: bool, max_size: str | None) -> None:
    """Remove cached stages the project no longer has, then the least recently used over the bound."""
    session = open_session(source, Selection())
    root = session.cache.root
    before = sum(e.size for e in entries(root))
    keep = () if everything else project_stage_ids(session.project, session.context)
    removed = prune(root, keep=keep, limit=0 if everything else max_bytes(max_size))
    after = sum(e.size for e in entries(root))
    for entry in removed:
        click.echo(f"removed {entry.stage_id} ({_size(entry.size)})")
    click.echo(f"cache {root}: {_size(before)} -> {_size(after)}, {len(removed)} stage(s) removed")
    _prune_environments(everything=everything)


def _prune_environments(*, everything: bool) -> None:
    """The Docker Engine's prepared test environments: base gone, then oldest past the bound; or all."""
    from shipyard.docker.engine import connect  # noqa: PLC0415 - only when pruning, not for --help
    from shipyard.docker.environments import EnvironmentStore, env_max_bytes, repository  # noqa: PLC0415
    from shipyard.errors import ShipyardError  # noqa: PLC0415

    try:
        store = EnvironmentStore(connect())
        before = store.entries()
    except ShipyardError as exc:
        click.echo(f"environments: not pruned, no Docker Engine ({exc})")
        return
    removed = store.prune(limit=0 if everything else env_max_bytes())
    for entry in removed:
        reason = "all" if everything else "base image gone" if not entry.base_present else "over the bound"
        click.echo(f"removed environment {entry.ref[:40]} ({_size(entry.size)}, {reason})")
    left = sum(e.size for e in before) - sum(e.size for e in removed)
    kept = len(before) - len(removed)
    click.echo(f"environments {repository()}: {kept} kept ({_size(left)}), {len(removed)} removed")


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":  # noqa: PLR2004 - binary units
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
