"""Stage actions as Dagger objects: the Dagger side of the executor interface, and nothing more.

Every value here (images, argv, env, caches, tools, paths) comes from a core `Stage`; these
functions only say how Dagger expresses it. They build lazy objects and never await.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from shipyard.stages.spec import OUTDIR

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from shipyard.stages.spec import BuildStep, Command, ContainerStep, ToolBinary

TOOL_MODE = 0o755
"""Mode of a tool executable copied into a step's container."""


def tool_file(tool: ToolBinary) -> dagger.File:
    """A pinned tool's executable, taken out of its image."""
    return dag.container().from_(tool.image).file(tool.source)


def stage_tree(source: dagger.Directory, files: Sequence[str], *, git: bool) -> dagger.Directory | None:
    """The project files a stage reads (exact paths the core selected), plus `.git` for history scans."""
    tree = source.filter(include=list(files)) if files else None
    if git:
        tree = (tree or dag.directory()).with_directory(".git", source.directory(".git"))
    return tree


def step_container(
    step: ContainerStep,
    tree: dagger.Directory | None,
    *,
    images: Mapping[str, dagger.Container],
    secrets: Mapping[str, dagger.Secret],
    setup_tree: dagger.Directory | None = None,
    outputs: Mapping[str, dagger.Directory] | None = None,
) -> dagger.Container:
    """The container a step's first command runs in: image, caches, tools, env, secrets, files.

    With an environment (spec.Environment) that is `setup_tree` alone, the files the setup reads;
    the source and the upstream images come after the setup (`with_source`, in `command_states`).
    `outputs`: the output folders of the upstream stages the step's `files_from` names.
    """
    platform = dagger.Platform(step.platform) if step.platform else None
    ctr = dag.container(platform=platform).from_(step.image)
    for cache in step.caches:
        ctr = ctr.with_mounted_cache(cache.path, dag.cache_volume(cache.name))
    for tool in step.tools:
        ctr = ctr.with_file(tool.dest, tool_file(tool), permissions=TOOL_MODE)
    for name, value in step.setup_env.items():  # the rest after the setup (with_source)
        ctr = ctr.with_env_variable(name, value)
    for ref in step.secrets:
        secret = secrets[ref.name]
        if ref.env:
            ctr = ctr.with_secret_variable(ref.env, secret)
        if ref.file:
            ctr = ctr.with_mounted_secret(ref.file, secret)
    ctr = ctr.with_directory(OUTDIR, dag.directory())
    if step.environment is not None:
        # The engine keys each call by its ID, the chain of calls and arguments that made its
        # receiver (dagql/cache.go; withExec in core/schema/container.go): with only the setup's
        # files in the chain so far, a source edit leaves the setup execs' IDs, hence their
        # cached results, unchanged.
        return ctr.with_directory(step.files_dir, setup_tree or dag.directory()).with_workdir(step.workdir)
    return with_source(step, tree, images, outputs)(ctr)


def with_source(
    step: ContainerStep,
    tree: dagger.Directory | None,
    images: Mapping[str, dagger.Container],
    outputs: Mapping[str, dagger.Directory] | None = None,
) -> Callable[[dagger.Container], dagger.Container]:
    """Place the project's files, the upstream images and output folders the step reads (lazy)."""

    def place(ctr: dagger.Container) -> dagger.Container:
        # the variables the setup does not read (Environment.later_env): after its execs, so that
        # a new version of the project leaves their cache keys as they were
        for name, value in step.env.items():
            if name not in step.setup_env:
                ctr = ctr.with_env_variable(name, value)
        if tree is not None:
            ctr = ctr.with_directory(step.files_dir, tree)
        for wanted in step.images_from:
            ctr = ctr.with_file(wanted.path, scan_tarball(images[wanted.stage]))
        for given in step.files_from:
            ctr = ctr.with_directory(given.path, (outputs or {})[given.stage])
        # step.network=False has no per-exec counterpart in Dagger 0.21: it is not enforced here.
        return ctr.with_workdir(step.workdir)

    return place


def setup_files(step: ContainerStep, files: Sequence[str]) -> tuple[str, ...]:
    """The files the step's environment setup reads, of those the core selected for the stage."""
    if step.environment is None:
        return ()
    selected = set(files)
    return tuple(path for path in step.environment.reads if path in selected)


def exec_command(ctr: dagger.Container, command: Command) -> dagger.Container:
    """One command: a failure is recorded (may_fail) or stops the step."""
    return ctr.with_exec(
        list(command.argv),
        expect=dagger.ReturnType.ANY if command.may_fail else dagger.ReturnType.SUCCESS,
        redirect_stdout=f"{OUTDIR}/{command.stdout}" if command.stdout else "",
    )


def command_states(
    ctr: dagger.Container,
    step: ContainerStep,
    *,
    source: Callable[[dagger.Container], dagger.Container] | None = None,
) -> list[dagger.Container]:
    """The container after each command, in order (each one extends the previous).

    After the environment's setup commands, `source` places the project (`with_source`).
    """
    states: list[dagger.Container] = []
    setup = len(step.setup_commands)
    for index, command in enumerate(step.commands):
        if setup and index == setup and source is not None:
            ctr = source(ctr)
        ctr = exec_command(ctr, command)
        states.append(ctr)
    return states


def build_context(step: BuildStep, tree: dagger.Directory) -> tuple[dagger.Directory, str]:
    """The build context and the Dockerfile path inside it."""
    context = step.context.strip("/")
    if context in {"", "."}:
        return tree, step.dockerfile
    inner = posixpath.relpath(step.dockerfile, context)
    directory = tree.directory(context)
    if inner.startswith(".."):
        inner = ".shipyard.Dockerfile"
        directory = directory.with_file(inner, tree.file(step.dockerfile))
    return directory, inner


def build_container(step: BuildStep, tree: dagger.Directory) -> dagger.Container:
    """The image of one platform, built from the project's Dockerfile, with the stage's labels."""
    context, dockerfile = build_context(step, tree)
    ctr = context.docker_build(
        platform=dagger.Platform(step.platform),
        dockerfile=dockerfile,
        target=step.target or "",
        build_args=[dagger.BuildArg(name=k, value=v) for k, v in sorted(step.build_args.items())],
    )
    for name, value in sorted(step.labels.items()):
        ctr = ctr.with_label(name, value)
    return ctr


def uncompressed_tarball(image: dagger.Container) -> dagger.File:
    """The image as an OCI archive of uncompressed layers, sized as the Docker executor's `Size`.

    `as_tarball()` without `forcedCompression` gzips every layer that has no compressed blob yet
    (core/schema/container.go, `asTarball`), which would make a build's size another number.
    """
    return image.as_tarball(forced_compression=dagger.ImageLayerCompression.UNCOMPRESSED)


def scan_tarball(image: dagger.Container) -> dagger.File:
    """The image as the scanners read it: docker media types, uncompressed layers (core: SCAN_TAR)."""
    return image.as_tarball(
        forced_compression=dagger.ImageLayerCompression.UNCOMPRESSED,
        media_types=dagger.ImageMediaTypes.DOCKER,
    )
