"""`shipyard init` on a uv workspace: the root's table holds the workspace's keys, each member's its own.

A member's lint and tests are its own stages (stages.workspace), so its keys (`python`, `test.*`)
go into its own pyproject.toml; images and the compose stack are the workspace's and stay at the
root. A member's tests may need services of a compose file above it, found walking up as compose
finds it (config.paths): a member without a compose file of its own is inspected with the root's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config.load import PYPROJECT
from shipyard.init.facts import inspect_project
from shipyard.init.table import minimal_keys, render
from shipyard.init.write import planned_changes

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.config.workspace import Workspace
    from shipyard.init.facts import ProjectFacts
    from shipyard.init.table import Key
    from shipyard.init.write import FileChange

MEMBER_SECTIONS = ("", "test")
"""Sections of the keys a member's own table gets (config.load MEMBER_KEYS allows them)."""
ROOT_SECTIONS = ("image", "compose")
"""Sections a virtual workspace root keeps: it has no lint or tests of its own."""


@dataclass(frozen=True)
class MemberInit:
    """One member: what init found in it and the keys its table needs."""

    path: str
    facts: ProjectFacts
    keys: tuple[Key, ...]

    def changes(self) -> tuple[FileChange, ...]:
        """The member's pyproject.toml with its table, as a change relative to the workspace root."""
        if not self.keys:
            return ()
        rendered = render(self.keys, standalone=False)
        planned = planned_changes(self.facts, rendered, standalone=False, workflow=False)
        return tuple(c.model_copy(update={"path": f"{self.path}/{c.path}"}) for c in planned)


def root_keys(keys: tuple[Key, ...], workspace: Workspace) -> tuple[Key, ...]:
    """The root's keys: all of them for a root that is a package too, else the workspace's only."""
    return keys if not workspace.virtual else tuple(k for k in keys if k.section in ROOT_SECTIONS)


def member_inits(root: ProjectFacts, workspace: Workspace) -> tuple[MemberInit, ...]:
    """Each member (the root's own package aside) with the keys of its own table."""
    found: list[MemberInit] = []
    for member in workspace.members:
        if member.path == ".":
            continue
        facts = inspect_project(root.root / member.path)
        if not facts.compose_files:
            facts = facts.model_copy(update={"compose_files": root.compose_files})
        keys = tuple(k for k in minimal_keys(facts) if k.section in MEMBER_SECTIONS)
        found.append(MemberInit(path=member.path, facts=facts, keys=keys))
    return tuple(found)


def planned_texts(root: Path, changes: tuple[FileChange, ...]) -> dict[Path, str]:
    """The pyproject.toml files as they will be once written (for loading the planned project)."""
    return {root / c.path: c.new for c in changes if c.path.rsplit("/", 1)[-1] == PYPROJECT}
