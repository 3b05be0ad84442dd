"""A uv workspace member's stages: its own lint and tests, named by it, on the workspace's files.

A member's stages are built as for a project of its own (its folder as the root, its config), then
placed in the workspace: their ids carry the member's name (`lint-api`, `test-api-3.14`), their
files are the member's folder plus what uv reads at the root (the lock, every member's
pyproject.toml) and the members it depends on, and their container holds the workspace at /src
and works in /src/<member>, where `uv sync --locked --package <name>` finds the workspace root
as uv finds it (walking up).
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from shipyard.config.metadata_files import metadata_files
from shipyard.stages.spec import WORKDIR, ContainerStep, TestServices

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.spec import SourceFilter, Stage

PACKAGE_PARAM = "package"
"""The param naming the workspace member a stage belongs to (what `--package` selects)."""


def member_stage_id(stage_id: str, name: str) -> str:
    """`lint` → `lint-api`, `test-3.14` → `test-api-3.14` for member `api`."""
    head, sep, rest = stage_id.partition("-")
    return f"{head}-{canonicalize_name(name)}{sep}{rest}"


def in_workspace(stage: Stage, project: Project) -> Stage:
    """`stage`, built for the member `project` on its own folder, placed in its workspace."""
    member, workspace = project.member, project.workspace
    if member is None or workspace is None or member.path == ".":
        return replace(stage, params={**stage.params, PACKAGE_PARAM: project.name}) if member else stage
    action = stage.action
    also = list(workspace.reads())
    if stage.group != "lint":  # what installs the member installs the members it needs: their code
        for other in workspace.closure(member):  # and the documents their backends read
            kept = metadata_files(workspace.root / other.path)
            also += [f"{other.path}/**", *(posixpath.join(other.path, path) for path in kept)]
    if isinstance(action, ContainerStep):
        services = action.services
        if services is not None:
            file = posixpath.normpath(posixpath.join(member.path, services.file))
            services = TestServices(file=file, names=services.names, timeout=services.timeout)
            also += [file, posixpath.join(posixpath.dirname(file), ".env")]
        environment = action.environment
        if environment is not None and not workspace.locked:  # its own files, read from its folder
            reads = tuple(f"{member.path}/{path}" for path in environment.reads)
            environment = replace(environment, reads=reads)
        workdir = f"{WORKDIR}/{member.path}"
        action = replace(action, tree=WORKDIR, workdir=workdir, services=services, environment=environment)
    return replace(
        stage,
        id=member_stage_id(stage.id, project.name),
        description=f"{project.name}: {stage.description}",
        needs=tuple(member_stage_id(n, project.name) for n in stage.needs),
        inputs=_under(stage.inputs, member.path, tuple(dict.fromkeys(also))),
        action=action,
        params={**stage.params, PACKAGE_PARAM: project.name},
    )


def _under(inputs: SourceFilter, path: str, also: tuple[str, ...]) -> SourceFilter:
    return replace(inputs, under=path, also=(*inputs.also, *also))
