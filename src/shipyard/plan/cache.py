"""The stage cache: a green result remembered by input digest, with the reports it wrote.

Equal digest and a green last result mean the stage is not run again: its reports are copied
back from the cache and its result (with the findings the cached run reported) is shown as a
cache hit. Only passed (and not-applicable) results are kept, so a failure is always re-run; and a
skip that holds while the state its stage observes is the same (StageResult.reusable), keyed by it.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import TYPE_CHECKING, Any, cast

from pydantic import TypeAdapter, ValidationError

from shipyard.plan.cache_bound import touch
from shipyard.stages.result import StageResult

if TYPE_CHECKING:
    from pathlib import Path

RESULT_FILE = "result.json"
RECORD_FORMAT = 3
"""Bumped when a result gains fields: a record of another format is a miss (the stage runs again)."""
_RESULT = TypeAdapter(StageResult)


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link when possible (image tarballs are large), copy otherwise."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class StageCache:
    """Cached results under a directory (by default `.shipyard/cache` of the project)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, stage_id: str) -> Path:
        return self.root / stage_id

    def _record(self, stage_id: str) -> tuple[dict[str, Any], StageResult] | None:
        """The kept record and its result, when it is of this format and green (or reusable)."""
        record = self._dir(stage_id) / RESULT_FILE
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        record_data = cast("dict[str, Any]", data)
        if record_data.get("format") != RECORD_FORMAT:
            return None
        try:
            result = _RESULT.validate_python(record_data.get("result"))
        except ValidationError:
            return None
        if not (result.status.ok or result.reusable):
            return None
        return record_data, result

    def lookup(self, stage_id: str, digest: str) -> StageResult | None:
        """The green result recorded for exactly this digest, if any."""
        found = self._record(stage_id)
        if found is None or found[0].get("digest") != digest:
            return None
        touch(self._dir(stage_id))
        return found[1]

    def recorded_for(self, stage_id: str, inputs: str) -> bool:
        """Whether a green (or reusable) result is kept for these input digests.

        Whatever the state the stage observes was: `shipyard plan`, which asks no engine, says so.
        """
        found = self._record(stage_id)
        return found is not None and found[0].get("inputs") == inputs

    def store(
        self, stage_id: str, digest: str, result: StageResult, out_dir: Path, *, inputs: str | None = None
    ) -> None:
        """Remember a green (or reusable) result and a copy of its reports; forget anything else.

        `digest` is the key it is found by; `inputs` the stage's input digest when the key holds
        more (the state it observes), else the key itself.
        """
        target = self._dir(stage_id)
        shutil.rmtree(target, ignore_errors=True)
        if not (result.status.ok or result.reusable):
            return
        files = target / "files"
        if out_dir.is_dir():
            shutil.copytree(out_dir, files, symlinks=True, copy_function=_link_or_copy)
        else:
            files.mkdir(parents=True)
        record = {
            "format": RECORD_FORMAT,
            "digest": digest,
            "inputs": inputs or digest,
            "result": _RESULT.dump_python(result, mode="json"),
        }
        (target / RESULT_FILE).write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
        touch(target)

    def restore(self, stage_id: str, out_dir: Path) -> None:
        """Copy the cached reports of a stage into `out_dir` (replacing what is there)."""
        files = self._dir(stage_id) / "files"
        shutil.rmtree(out_dir, ignore_errors=True)
        if files.is_dir():
            shutil.copytree(files, out_dir, symlinks=True, copy_function=_link_or_copy)
        else:
            out_dir.mkdir(parents=True)

    def has_files(self, stage_id: str, name: str) -> bool:
        """Whether a cached stage kept a report of that name (a build's image tarball, say)."""
        return (self._dir(stage_id) / "files" / name).exists()
