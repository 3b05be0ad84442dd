"""The files `shipyard init` writes: shown as diffs with `--dry-run`, never overwritten without `--force`.

Every refusal is decided before anything is written, so a refused init leaves the project as it was.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from shipyard.config.load import PYPROJECT, SHIPYARD_TOML
from shipyard.errors import ConfigError
from shipyard.init.pyproject_edit import with_table, without_table
from shipyard.init.workflow import WORKFLOW_PATH, workflow_text

if TYPE_CHECKING:
    from shipyard.init.facts import ProjectFacts

FORCE_FIX = "pass --force to replace it, or --dry-run to see the change first"


class FileChange(BaseModel):
    """One file init writes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """Relative to the project root."""
    old: str | None
    """Its text now, or None when it does not exist."""
    new: str
    refusal: str | None = None
    """Why it must not be written without --force (it holds something init would replace)."""

    @property
    def changed(self) -> bool:
        """Whether writing it changes anything."""
        return self.old != self.new

    def diff(self) -> str:
        """A unified diff from the file as it is to the file init writes."""
        before = "/dev/null" if self.old is None else f"a/{self.path}"
        lines = difflib.unified_diff(
            (self.old or "").splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=before,
            tofile=f"b/{self.path}",
        )
        return "".join(lines)


def _read(facts: ProjectFacts, relative: str) -> str | None:
    path = facts.root / relative
    return path.read_text(encoding="utf-8") if path.is_file() else None


def planned_changes(
    facts: ProjectFacts, rendered: str, *, standalone: bool, workflow: bool = True
) -> tuple[FileChange, ...]:
    """The config file (pyproject.toml or shipyard.toml) and the workflow, with what each would replace."""
    pyproject = _read(facts, PYPROJECT) or ""
    changes: list[FileChange] = []
    if standalone:
        old = _read(facts, SHIPYARD_TOML)
        changes.append(
            FileChange(
                path=SHIPYARD_TOML,
                old=old,
                new=rendered,
                refusal=f"{SHIPYARD_TOML} already exists" if old is not None and old != rendered else None,
            )
        )
        if facts.has_shipyard_table:
            changes.append(
                FileChange(
                    path=PYPROJECT,
                    old=pyproject,
                    new=without_table(pyproject),
                    refusal=f"{PYPROJECT} already has a [tool.shipyard] table (one file only may configure)",
                )
            )
    else:
        new = with_table(pyproject, rendered)
        changes.append(
            FileChange(
                path=PYPROJECT,
                old=pyproject,
                new=new,
                refusal=f"{PYPROJECT} already has a [tool.shipyard] table"
                if facts.has_shipyard_table and new != pyproject
                else None,
            )
        )
        if facts.has_shipyard_toml:
            changes.append(
                FileChange(
                    path=SHIPYARD_TOML,
                    old=_read(facts, SHIPYARD_TOML),
                    new="",
                    refusal=f"{SHIPYARD_TOML} already configures shipyard",
                )
            )
    if workflow:
        old_workflow = _read(facts, WORKFLOW_PATH)
        text = workflow_text()
        changes.append(
            FileChange(
                path=WORKFLOW_PATH,
                old=old_workflow,
                new=text,
                refusal=f"{WORKFLOW_PATH} already exists" if old_workflow not in {None, text} else None,
            )
        )
    return tuple(changes)


def refuse_unforced(changes: tuple[FileChange, ...], *, force: bool) -> None:
    """Raise a ConfigError naming the first file init would overwrite, unless `force`."""
    if force:
        return
    refused = [c for c in changes if c.changed and c.refusal]
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        raise ConfigError(f"{refused[0].refusal}{more}", fix=FORCE_FIX)


def write_changes(facts: ProjectFacts, changes: tuple[FileChange, ...]) -> tuple[str, ...]:
    """Write every changed file (a shipyard.toml emptied by --force is deleted); returns what was written."""
    written: list[str] = []
    for change in changes:
        if not change.changed:
            continue
        path = facts.root / change.path
        if change.path == SHIPYARD_TOML and not change.new:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(change.new, encoding="utf-8")
        written.append(change.path)
    return tuple(written)
