"""The files and directories a configuration names: they must exist, inside the project.

Only a default that is absent makes a stage not applicable (no `Dockerfile`, no compose file).
A path the user wrote into the table must exist: a typo would otherwise turn the image stages
into "not applicable" and the run green. It must also stay inside the project root, because a
stage's digest covers only the project's files: a build context of `..` would let an edit
outside the project reuse a stale image.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from shipyard.config.models import COMPOSE_FILE_NAMES
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from shipyard.config.models import ShipyardConfig

Kind = Literal["file", "directory", "path"]
STATE_DIR = ".shipyard"
"""shipyard's own state in a project: reports, the stage cache, baselines (never committed)."""


def checked_paths(
    root: Path, config: ShipyardConfig, config_file: Path, *, up_to: Path | None = None
) -> ShipyardConfig:
    """`config` with its named paths checked and the compose file found among compose's own names.

    `up_to`: a workspace root above `root`; the compose file is then looked for as `docker compose`
    looks for it, in `root` and each parent up to that one (the path found may start with `../`).
    Raises ConfigError naming the key, the path and the fix for a named path that is missing,
    of the wrong kind, or outside `root`.
    """
    prefix = "tool.shipyard." if config_file.name == "pyproject.toml" else ""
    for key, value, kind in named_paths(config):
        _check(root, config_file, f"{prefix}{key}", value, kind)
    compose = config.compose
    if "file" not in compose.model_fields_set:
        compose = compose.model_copy(update={"file": _compose_file(root, up_to) or compose.file})
        config = config.model_copy(update={"compose": compose})
    if config.test.services and not (root / compose.file).is_file():
        names = ", ".join(COMPOSE_FILE_NAMES)
        raise ConfigError(
            f"{config_file}: {prefix}test.services = {list(config.test.services)!r} needs a compose file "
            f"that defines them, and {root} has none ({names})",
            fix="add one, or name it with [tool.shipyard.compose] file",
        )
    return config


def _compose_file(root: Path, up_to: Path | None) -> str | None:
    """The first of compose's default file names in `root`, else in its parents up to `up_to`."""
    folders = [root]
    if up_to is not None and root.is_relative_to(up_to):
        folders += [p for p in root.parents if p.is_relative_to(up_to)]
    for folder in folders:
        for name in COMPOSE_FILE_NAMES:
            if (folder / name).is_file():
                return os.path.relpath(folder / name, root).replace(os.sep, "/")
    return None


def named_paths(config: ShipyardConfig) -> list[tuple[str, str, Kind]]:
    """(key, path, kind) of every path the table sets; defaults are not named."""
    image, compose, test, lint = config.image, config.compose, config.test, config.lint
    named: list[tuple[str, str, Kind]] = []
    if "context" in image.model_fields_set:
        named.append(("image.context", image.context, "directory"))
    if "dockerfile" in image.model_fields_set:
        named.append(("image.dockerfile", image.dockerfile, "file"))
    if "file" in compose.model_fields_set:
        named.append(("compose.file", compose.file, "file"))
    named.extend(("test.requirements", requirement, "file") for requirement in test.requirements)
    if test.constraints is not None:
        named.append(("test.constraints", test.constraints, "file"))
    if "paths" in lint.model_fields_set:
        named.extend(("lint.paths", path, "path") for path in lint.paths)
    return named


def _check(root: Path, config_file: Path, key: str, value: str, kind: Kind) -> None:
    where = f"{config_file}: {key} = {value!r}"
    if Path(value).is_absolute():
        raise ConfigError(
            f"{where} is an absolute path", fix="write it relative to the project root, inside the project"
        )
    target = (root / value).resolve()
    if not target.is_relative_to(root):
        raise ConfigError(
            f"{where} is outside the project root {root}, so changes to it would not be seen",
            fix="move it into the project, or run shipyard with --source on a directory that holds it",
        )
    if not target.exists():
        raise ConfigError(
            f"{where} does not exist in {root}",
            fix="correct the path (relative to the project root) or remove the key",
        )
    if kind == "file" and not target.is_file():
        raise ConfigError(f"{where} is not a file", fix="name a file, relative to the project root")
    if kind == "directory" and not target.is_dir():
        raise ConfigError(f"{where} is not a directory", fix="name a directory, relative to the project root")
