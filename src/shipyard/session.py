"""Everything a command needs before an engine is touched: project, git, plan, files, digests."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.config.load import Project, load_project
from shipyard.config.paths import STATE_DIR
from shipyard.config.vcs_version import project_vcs_backend
from shipyard.errors import PublishError
from shipyard.gitinfo import GitInfo, read_git
from shipyard.plan.cache import StageCache
from shipyard.plan.digest import stage_digests
from shipyard.plan.graph import Plan, PlanContext, build_plan, host_platform
from shipyard.plan.sources import hash_files, list_files
from shipyard.plan.version import project_version
from shipyard.publish.tag_rules import compute_tags

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from shipyard.config.models import Tier

STATE_GITIGNORE = "# shipyard's reports and cache: never committed\n*\n"


@dataclass(frozen=True)
class Selection:
    """What the user asked to run."""

    names: tuple[str, ...] = ()
    tier: Tier | None = None
    pythons: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    """uv workspace members whose lint and test stages run (empty: all, or the one --source names)."""
    platforms: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()


@dataclass(frozen=True)
class Session:
    """A project with its plan, ready for an executor."""

    project: Project
    git: GitInfo
    context: PlanContext
    plan: Plan
    files: list[str]
    digests: dict[str, str]
    out_root: Path
    cache: StageCache


def with_plan(session: Session, plan: Plan) -> Session:
    """`session` with another plan of the same checkout (a stage's policy changed), digests made again."""
    files = session.files
    digests = stage_digests(plan, files, hash_files(session.project.root, files), session.git)
    return replace(session, plan=plan, digests=digests)


def publish_tags(project: Project, git: GitInfo) -> tuple[str, ...]:
    """Tags a publish from this checkout would push (none without a commit)."""
    if git.sha is None:
        return ()
    try:
        return compute_tags(
            sha=git.sha,
            ref=git.ref,
            default_branch=project.config.publish.default_branch,
            rules=project.config.publish.tags,
        )
    except PublishError:
        return (f"sha-{git.short_sha}",)


def ignore_state_dir(state: Path) -> None:
    """Give `.shipyard/` its own .gitignore, so it never shows in `git status` (a read-only tree is fine)."""
    marker = state / ".gitignore"
    if marker.is_file():
        return
    try:
        state.mkdir(parents=True, exist_ok=True)
        marker.write_text(STATE_GITIGNORE, encoding="utf-8")
    except OSError:
        return  # --out elsewhere on a read-only checkout: nothing to hide


def plan_context(
    project: Project,
    git: GitInfo,
    *,
    today: dt.date | None = None,
    environ: Mapping[str, str] | None = None,
) -> PlanContext:
    """The facts a plan depends on besides the files: git, today's date, the host, the publish tags.

    And the project's version, from git when its build backend takes it from there: the user's
    own override wins, from `environ` (shipyard's environment by default) or `[tool.shipyard.test] env`.
    """
    today = today or dt.datetime.now(tz=dt.timezone.utc).date()
    version = project_version(
        project_vcs_backend(project),
        git,
        static=project.version,
        today=today,
        environ={**(os.environ if environ is None else environ), **project.config.test.env},
    )
    return PlanContext(
        git=git,
        today=today,
        host_platform=host_platform(),
        tags=publish_tags(project, git),
        version=version,
    )


def focus_note(project: Project) -> str | None:
    """What a user who gave `--source` on a workspace member should know: the run is the workspace's."""
    if project.focus is None:
        return None
    return (
        f"{project.focus} is a member of the workspace at {project.root}: its stages run from there "
        f"(reports in {project.root / STATE_DIR}); --package {project.focus} selects it"
    )


def open_session(source: Path, selection: Selection, *, out: Path | None = None) -> Session:
    """Load the project and plan the run."""
    project = load_project(source)
    ignore_state_dir(project.root / STATE_DIR)
    return plan_session(project, selection, out=out)


def plan_session(project: Project, selection: Selection, *, out: Path | None = None) -> Session:
    """Plan the run of an already loaded project, writing nothing (as `shipyard init --dry-run` does)."""
    git = read_git(project.root)
    context = plan_context(project, git)
    plan = build_plan(
        project,
        context,
        tier=selection.tier,
        names=selection.names,
        pythons=selection.pythons,
        packages=selection.packages,
        platforms=selection.platforms,
    )
    if selection.skip:
        plan = plan.without(selection.skip)
    files = list_files(project.root)
    digests = stage_digests(plan, files, hash_files(project.root, files), git)
    state = project.root / STATE_DIR
    return Session(
        project=project,
        git=git,
        context=context,
        plan=plan,
        files=files,
        digests=digests,
        out_root=out or state / "out",
        cache=StageCache(state / "cache"),
    )
