"""`shipyard init`: the smallest [tool.shipyard] table, the one-job workflow, then the plan."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shipyard.config.load import PYPROJECT, SHIPYARD_TOML, Project, load_project
from shipyard.config.vcs_version import project_vcs_backend
from shipyard.config.workspace import find_workspace
from shipyard.errors import ConfigError
from shipyard.init.facts import ProjectFacts, inspect_project
from shipyard.init.members import MemberInit, member_inits, planned_texts, root_keys
from shipyard.init.notes import notes_for
from shipyard.init.table import Key, minimal_keys, render, validated
from shipyard.init.workflow import toolchain_commands
from shipyard.init.write import planned_changes, refuse_unforced, write_changes
from shipyard.session import Selection, open_session, plan_session

if TYPE_CHECKING:
    from shipyard.init.write import FileChange


def _planned_project(facts: ProjectFacts, keys: tuple[Key, ...], config_file: Path) -> Project:
    """The project as it loads once the table is written (for --dry-run, which writes nothing)."""
    config = validated(facts, keys, config_file)
    static = facts.version if facts.vcs_backend is None and facts.version else "0.0.0"
    return Project(
        root=facts.root,
        name=facts.name,
        version=static,
        config=config,
        config_file=config_file,
        pythons=config.python or facts.matrix,
    )


@dataclass(frozen=True)
class _Planned:
    """What init would write, and the project as it loads once written."""

    keys: tuple[Key, ...]
    members: tuple[MemberInit, ...]
    changes: tuple[FileChange, ...]
    project: Project


def _planned(facts: ProjectFacts, *, standalone: bool, workflow: bool) -> _Planned:
    """The root's keys and changes, each workspace member's, and the project they give."""
    workspace = find_workspace(facts.root)
    members = member_inits(facts, workspace) if workspace and workspace.root == facts.root else ()
    if members and standalone:
        raise ConfigError(
            "a uv workspace's tables live in pyproject.toml files (one per member)",
            fix="run shipyard init without --config shipyard.toml",
        )
    keys = minimal_keys(facts)
    keys = root_keys(keys, workspace) if workspace and members else keys
    root_changes = planned_changes(
        facts, render(keys, standalone=standalone), standalone=standalone, workflow=workflow
    )
    changes = (*root_changes, *(change for member in members for change in member.changes()))
    if not members:
        config_file = facts.root / (SHIPYARD_TOML if standalone else PYPROJECT)
        return _Planned(keys, members, changes, _planned_project(facts, keys, config_file))
    # the workspace as it loads once the tables are written: the loader's own checks, nothing written
    project = load_project(facts.root, texts=planned_texts(facts.root, changes))
    return _Planned(keys, members, changes, project)


def _show_keys(keys: tuple[Key, ...], members: tuple[MemberInit, ...]) -> None:
    """Each key and its reason (a member's prefixed by its folder)."""
    shown = [("", key) for key in keys] + [(f"{m.path}: ", key) for m in members for key in m.keys]
    for where, key in shown:
        click.echo(f"  {where}{key.dotted} = {key.value!r}: {key.reason}")
    if not shown:
        click.echo("  no keys: the defaults fit this project")


@click.command("init")
@click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="The project directory.",
)
@click.option("--dry-run", is_flag=True, help="Show the files as diffs; write nothing.")
@click.option(
    "--force", is_flag=True, help="Replace an existing [tool.shipyard] table, shipyard.toml or workflow."
)
@click.option(
    "--config",
    "config_name",
    type=click.Choice((PYPROJECT, SHIPYARD_TOML)),
    default=None,
    help="Where the table goes (default: shipyard.toml when it exists, else pyproject.toml).",
)
@click.option("--no-workflow", is_flag=True, help="Do not write .github/workflows/ci.yml.")
def command(source: Path, dry_run: bool, force: bool, config_name: str | None, no_workflow: bool) -> None:
    """Inspect the project, write the smallest [tool.shipyard] table and the CI workflow, then plan."""
    facts = inspect_project(source)
    standalone = config_name == SHIPYARD_TOML or (config_name is None and facts.has_shipyard_toml)
    planned = _planned(facts, standalone=standalone, workflow=not no_workflow)
    keys, members, changes, project = planned.keys, planned.members, planned.changes, planned.project
    refuse_unforced(changes, force=force)
    _show_keys(keys, members)
    if dry_run:
        for change in changes:
            if change.changed:
                click.echo(change.diff(), nl=False)
        click.echo("dry run: nothing written")
    else:
        written = write_changes(facts, changes)
        click.echo(f"wrote {', '.join(written)}" if written else "nothing to write: the files are up to date")
    for note in notes_for(facts, keys):
        click.echo(f"note: {note}")
    click.echo("to run the pipeline in GitHub Actions, install shipyard as the project's Dagger toolchain:")
    for line in toolchain_commands(has_dagger_json=facts.has_dagger_json):
        click.echo(f"  {line}")
    from shipyard.cli.plan_cmd import show_plan  # noqa: PLC0415 - plan_cmd registers a command on import

    session = plan_session(project, Selection()) if dry_run else open_session(facts.root, Selection())
    version = session.context.version
    if project_vcs_backend(session.project) is not None and version is not None:
        click.echo(f"version from git: {version.value or version.problem} ({version.source})")
    show_plan(session)
