"""Input digests: one content hash per stage over exactly what it depends on.

A stage's digest covers its action (image refs, argv, env, caches, tools, platform), its
evaluate policy, the content of the files its filter selects, git history when it scans
history, shipyard's version, and the digests of the stages it needs. Equal digest and a green
last result mean the stage need not run again.

`[tool.shipyard]` is not file content to a stage that reads pyproject.toml as configuration
(lint, tests): what it sets reaches the stage through its action and params, so editing the lint
table does not re-run the test matrix. Stages that take the file's bytes (a build copies them
into the image, a scanner reads every byte for secrets) hash the file as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from pydantic import BaseModel

from shipyard import __version__
from shipyard.plan.sources import SETTINGS_FILES, select, tree_digest, viewed, without_settings
from shipyard.stages.spec import BuildStep

if TYPE_CHECKING:
    from shipyard.gitinfo import GitInfo
    from shipyard.plan.graph import Plan
    from shipyard.stages.spec import Stage


def _plain(value: object) -> object:  # noqa: PLR0911 - one return per kind of value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(cast("object", getattr(value, f.name))) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType, reportUnknownLambdaType]
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(cast("object", v)) for v in value]  # pyright: ignore[reportUnknownVariableType]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def describe(stage: Stage) -> dict[str, object]:
    """Everything about a stage that is not file content, as plain JSON data."""
    evaluate = stage.evaluate
    return {
        "id": stage.id,
        "shipyard": __version__,
        "action": _plain(stage.action),
        "evaluate": {"type": type(evaluate).__qualname__, "policy": _plain(evaluate)},
        "params": _plain(stage.params),
        "not_applicable": stage.not_applicable,
        "inputs": _plain(stage.inputs),
    }


BYTE_READING_GROUPS: frozenset[str] = frozenset({"build", "scan", "package"})
"""Stage groups that read files as bytes (into an image, a scanner, an sdist), so `[tool.shipyard]`
text counts as content for them."""


def reads_bytes(stage: Stage) -> bool:
    """Whether `stage` takes files as bytes (into an image, into a scanner) rather than as settings."""
    return isinstance(stage.action, BuildStep) or stage.group in BYTE_READING_GROUPS


def _as_settings(hashes: Mapping[str, str]) -> dict[str, str]:
    """`hashes` with each settings file's hash replaced by its hash without `[tool.shipyard]`."""
    return {
        **hashes,
        **{
            path: hashes[without_settings(path)]
            for path in SETTINGS_FILES
            if without_settings(path) in hashes
        },
    }


def stage_digests(plan: Plan, files: list[str], hashes: Mapping[str, str], git: GitInfo) -> dict[str, str]:
    """Digest of every stage of `plan`, upstream first."""
    settings = _as_settings(hashes)
    digests: dict[str, str] = {}
    for stage in plan.stages:
        table = hashes if reads_bytes(stage) else settings
        read = viewed(table, select(files, stage.inputs), stage.inputs.code_only)
        payload = {
            **describe(stage),
            "files": tree_digest(read, read),
            "history": git.history if stage.inputs.git_history else None,
            "needs": {n: digests[n] for n in stage.needs if n in digests},
        }
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        digests[stage.id] = hashlib.sha256(encoded).hexdigest()
    return digests
