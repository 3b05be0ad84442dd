"""The project as the core sees it, loaded inside the module runtime.

The engine hands the module a `Directory`; the core reads a path. The source is exported into a
scratch directory of the module runtime (an export from a module lands in the module's own
container, dagger/dagger#5867), then the core loads, plans and digests it exactly as
`shipyard.session.open_session` does, with git facts passed in by the caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config.load import load_project
from shipyard.gitinfo import NO_GIT, GitInfo, read_describe
from shipyard.plan.cache import StageCache
from shipyard.plan.digest import stage_digests
from shipyard.plan.graph import Plan, PlanContext, all_stages, build_plan
from shipyard.plan.sources import hash_files, list_files, select
from shipyard.session import plan_context

if TYPE_CHECKING:
    import dagger

    from shipyard.config.load import Project
    from shipyard.config.models import Tier
    from shipyard.stages.spec import Stage


def git_facts(commit: str, ref: str, committed: str) -> GitInfo:
    """Git facts from the caller (GITHUB_SHA, GITHUB_REF, the commit time), or none.

    A tag ref is HEAD's own `git describe` (`v1.2.3-0-g<sha>`), so a tag build knows its version.
    """
    if not commit:
        return NO_GIT
    history = hashlib.sha256(f"{commit}\n{ref}".encode()).hexdigest()
    tag = ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else None
    return GitInfo(
        sha=commit,
        ref=ref or None,
        committed=dt.datetime.fromisoformat(committed) if committed else None,
        dirty=False,
        history=history,
        describe=f"{tag}-0-g{commit}" if tag else None,
    )


@dataclass(frozen=True)
class Loaded:
    """A project exported into the module runtime, with its plan context."""

    root: Path
    project: Project
    context: PlanContext
    files: list[str]

    def plan(
        self,
        *,
        tier: Tier | None = None,
        names: tuple[str, ...] = (),
        pythons: tuple[str, ...] = (),
        platforms: tuple[str, ...] = (),
        packages: tuple[str, ...] = (),
    ) -> Plan:
        """The core's plan for this selection."""
        return build_plan(
            self.project,
            self.context,
            tier=tier,
            names=names,
            pythons=pythons,
            platforms=platforms,
            packages=packages,
        )

    def stages(self) -> dict[str, Stage]:
        """Every stage the core defines for this project."""
        return all_stages(self.project, self.context)

    def select(self, stage: Stage) -> list[str]:
        """The files a stage reads, by the core's filter."""
        return select(self.files, stage.inputs)

    @property
    def has_git(self) -> bool:
        """Whether the exported source has a `.git` directory (history scans need it)."""
        return (self.root / ".git").is_dir()

    def digests(self, plan: Plan) -> dict[str, str]:
        """The core's stage digests (the runner keys its bookkeeping by them)."""
        return stage_digests(plan, self.files, hash_files(self.root, self.files), self.context.git)

    @property
    def out_root(self) -> Path:
        """Where stage outputs and run reports are written in the module runtime."""
        return self.root.parent / "out"

    @property
    def cache(self) -> StageCache:
        """The runner's stage cache (unused: the engine caches; runs pass use_cache=False)."""
        return StageCache(self.root.parent / "cache")


def loaded(root: Path, git: GitInfo, *, today: dt.date | None = None) -> Loaded:
    """Load an exported project with the core (`git describe` from its `.git` when it has one)."""
    project = load_project(root)
    if git.sha is not None and git.describe is None and (root / ".git").is_dir():
        describe, commits = read_describe(root)
        git = dataclasses.replace(git, describe=describe, commits=commits)
    context = plan_context(project, git, today=today)
    return Loaded(root=project.root, project=project, context=context, files=list_files(project.root))


async def load(source: dagger.Directory, git: GitInfo) -> Loaded:
    """Export `source` into a scratch directory of the module runtime and load it."""
    scratch = Path(tempfile.mkdtemp(prefix="shipyard-"))
    root = scratch / "src"
    _ = await source.export(str(root))
    return loaded(root, git)
