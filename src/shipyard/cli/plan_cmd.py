"""`shipyard plan`: the graph, and what a run would do with each stage and why."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click
from rich.table import Table

from shipyard.cli.live import output_console
from shipyard.cli.options import open_selected, selection_options
from shipyard.gitinfo import changed_paths
from shipyard.plan.changes import affected

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.session import Session


def _verdicts(session: Session, since: str | None) -> dict[str, str]:
    changed = affected(session.plan, changed_paths(session.project.root, since)) if since else None
    verdicts: dict[str, str] = {}
    for stage in session.plan.stages:
        if stage.not_applicable:
            verdicts[stage.id] = f"n/a: {stage.not_applicable}"
        elif changed is not None and stage.id not in changed:
            verdicts[stage.id] = f"skip: unchanged since {since}"
        elif session.cache.lookup(stage.id, session.digests[stage.id]) is not None:
            verdicts[stage.id] = "cache hit"
        elif stage.observes and session.cache.recorded_for(stage.id, session.digests[stage.id]):
            # its key holds the engine's state too (runner._cache_key), which a plan does not ask
            watched = ", ".join(f"{seen.cache.name}:{seen.path}" for seen in stage.observes)
            verdicts[stage.id] = f"cache hit while {watched} is unchanged (the engine is not asked)"
        elif changed is not None:
            verdicts[stage.id] = f"run: {changed[stage.id]}"
        else:
            verdicts[stage.id] = "run: inputs changed"
    return verdicts


@click.command("plan")
@click.argument("stages", nargs=-1, metavar="[STAGE]...")
@selection_options
@click.option("--since", metavar="REF", help="Only stages whose inputs changed since this git ref.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def command(
    stages: tuple[str, ...],
    source: Path,
    tier: str | None,
    pythons: tuple[str, ...],
    packages: tuple[str, ...],
    platforms: tuple[str, ...],
    skip: tuple[str, ...],
    since: str | None,
    as_json: bool,
) -> None:
    """Print the stage graph: dependencies, parallel waves, and what would run and why."""
    session = open_selected(
        source,
        stages=stages,
        tier=tier,
        pythons=pythons,
        packages=packages,
        platforms=platforms,
        skip=skip,
    )
    verdicts = _verdicts(session, since)
    waves = session.plan.layers()
    if as_json:
        data = {
            "project": session.project.name,
            "waves": [list(w) for w in waves],
            "stages": [
                {
                    "id": s.id,
                    "group": s.group,
                    "needs": list(s.needs),
                    "digest": session.digests[s.id],
                    "verdict": verdicts[s.id],
                    "description": s.description,
                }
                for s in session.plan.stages
            ],
        }
        click.echo(json.dumps(data, indent=2))
        return
    show_plan(session, verdicts)


def show_plan(session: Session, verdicts: dict[str, str] | None = None) -> None:
    """Print the plan as a table: waves, stages, what each needs, and its verdict (run / cache hit / n/a)."""
    verdicts = verdicts if verdicts is not None else _verdicts(session, None)
    waves = session.plan.layers()
    table = Table(title=f"shipyard plan: {session.project.name} ({len(session.plan.stages)} stages)")
    for column in ("wave", "stage", "needs", "digest", "verdict"):
        table.add_column(column)
    for number, wave in enumerate(waves, start=1):
        for stage_id in wave:
            stage = session.plan.get(stage_id)
            table.add_row(
                str(number),
                stage_id,
                ", ".join(stage.needs),
                session.digests[stage_id][:12],
                verdicts[stage_id],
            )
    console = output_console()  # a pipe (CI logs) gets whole lines, not 80 columns
    console.print(table)
    console.print(
        "run: the stage's input digest differs from its last green run (or it never ran green); "
        "cache hit: unchanged, it will not run; waves run in order, stages of a wave in parallel.",
        style="dim",
    )
    left_out = session.project.left_out
    if left_out:
        listed = ", ".join(f'"{v}"' for v in (*left_out, *session.project.pythons))
        console.print(
            f"not tested: Python {', '.join(left_out)}, which requires-python admits, is past its end of "
            f"life and never derived (to test it: [tool.shipyard] python = [{listed}])",
            markup=False,
        )
