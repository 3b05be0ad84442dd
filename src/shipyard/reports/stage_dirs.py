"""The stage folders of an output folder: this run's, the project's other stages', and stale ones.

An output folder outlives runs: `shipyard run lint` after a full run leaves the scans' folders
beside lint's. Folders of stages the project still has are kept (the next run may reuse them) but
are never part of this run's reports; folders of stages it no longer has (a Python dropped from
the matrix) are removed.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

from shipyard.plan.graph import GROUPS, PUBLISH_IDS, all_stages

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from shipyard.config.load import Project
    from shipyard.plan.graph import PlanContext

_PREFIXES = tuple(f"{group}-" for group in GROUPS)
_last: tuple[Project, PlanContext, frozenset[str]] | None = None
"""The ids of the last (project, context) asked about: a run asks twice (cache bound, reports)."""


def project_stage_ids(project: Project, context: PlanContext) -> frozenset[str]:
    """Every stage id the project has, whichever stages a run selects.

    The same (frozen) project and context objects give the same ids; they are made once.
    """
    global _last  # noqa: PLW0603 - a one-entry memo of this module's own
    if _last is not None and _last[0] is project and _last[1] is context:
        return _last[2]
    ids = frozenset({*all_stages(project, context), *PUBLISH_IDS})
    _last = (project, context, ids)
    return ids


def is_stage_id(name: str) -> bool:
    """Whether a folder name has the shape of a stage id (`lint`, `test-3.12`, `build-linux-arm64`)."""
    return name in GROUPS or name.startswith(_PREFIXES)


def remove_stale(out_root: Path, known: Collection[str], *, marker: str) -> list[str]:
    """Remove the folders of stages not in `known`; return their names.

    Only in a folder shipyard wrote before (it holds `marker`, the run summary), and only folders
    named like a stage: whatever else the user keeps there stays.
    """
    if not (out_root / marker).is_file():
        return []
    stale = [
        path
        for path in sorted(out_root.iterdir())
        if path.is_dir() and not path.is_symlink() and is_stage_id(path.name) and path.name not in known
    ]
    for path in stale:
        shutil.rmtree(path)
    return [path.name for path in stale]
