"""Stages as data: what an executor must do, and nothing about how.

A stage is an id, the stages it needs, the project files it reads, and one action. The Docker
executor and the Dagger module translate actions; neither decides anything a stage means.
Each stage also names a pure `evaluate` function that turns what the action left behind
(exit codes, report files) into a result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe
    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.result import StageResult

WORKDIR = "/src"
"""Where the project's files are placed inside a step's container."""
OUTDIR = "/out"
"""Where a step writes its reports; executors copy it out after the last command."""
LOG_FILE = "log.txt"
"""Each stage's full log, written by the executor into the stage's output directory."""
TAIL_LINES = 400
"""How many last lines of a command's output an executor keeps for messages (CommandOutcome).

Enough for the core to find the cause of a failure far above the last line (parsers.causes): a
build backend's traceback inside pip's or uv's framing runs to about a hundred lines."""


@dataclass(frozen=True)
class SourceFilter:
    """Which project files a stage reads: gitignore-style globs over paths relative to the root."""

    include: tuple[str, ...] = ("**",)
    """Globs a file must match one of."""
    exclude: tuple[str, ...] = ()
    """Globs that remove a matched file again."""
    keep: tuple[str, ...] = ()
    """Globs that bring an excluded file back (README for build backends, say)."""
    git_history: bool = False
    """Whether the stage also needs the `.git` directory (history scanners)."""
    git_root: str = "."
    """Where the repository holding `.git` is, relative to the project root (`..` for `backend/`)."""
    under: str = ""
    """The folder the globs are relative to (a workspace member's path, `packages/api`); empty: the root.
    Files outside it are not matched by `include`, only by `also`."""
    also: tuple[str, ...] = ()
    """Globs over whole paths from the root (anchored, even without a slash) of files the stage reads
    outside `under`: a workspace's lock and pyprojects, the members it depends on."""
    code_only: tuple[str, ...] = ()
    """Globs of Markdown files the stage reads only from their first code fence on (ruff formats
    their code blocks, never their prose): they count in its digest by that part (plan.fenced),
    and one without a fence not at all. The executor still places them whole."""


@dataclass(frozen=True)
class CacheVolume:
    """A persistent cache shared across runs and across matrix legs."""

    name: str
    """Namespaced volume name, e.g. `shipyard-uv`; the same name in both executors."""
    path: str
    """Mount path inside the container."""


@dataclass(frozen=True)
class VolumeFile:
    """A file in a cache volume that a stage's verdict depends on, though no project file holds it."""

    cache: CacheVolume
    path: str
    """Relative to the volume's root, e.g. trivy's `db/metadata.json`."""
    image: str
    """An image the executor may mount the volume in to read the file (the container never starts)."""


TOOLS_DIR = "/opt/shipyard/tools"
"""Where tools live in a step's container, one folder each (common.TOOLS_ROOT)."""


@dataclass(frozen=True)
class ToolBinary:
    """An executable copied out of a pinned tool image into the step's container."""

    tool: str
    """Key of the tool in the config's `tools` table."""
    image: str
    """`repository:tag@digest` of the tool image."""
    source: str
    """Path of the executable inside the tool image."""
    dest: str
    """Path the executable gets inside the step's container. Its directory holds nothing else
    (common.TOOLS_ROOT/<tool>/): the Docker executor mounts the engine's tools volume there."""


@dataclass(frozen=True)
class Command:
    """One command of a step, as an argv list (never a shell string)."""

    argv: tuple[str, ...]
    may_fail: bool = False
    """When true a non-zero exit is recorded for `evaluate` and the step goes on; when false the step
    stops and `evaluate` sees the failure (setup commands such as installing dependencies)."""
    label: str = ""
    """A short name for logs and summaries, e.g. `install`, `pytest`."""
    stdout: str | None = None
    """Save the command's standard output as this file of the stage's output directory."""


@dataclass(frozen=True)
class SecretRef:
    """A secret a step needs, by name; its value is never part of a stage's data."""

    name: str
    """The name the user provides the value under (an environment variable of the shipyard process)."""
    env: str | None = None
    """Expose it to the commands as this environment variable."""
    file: str | None = None
    """Or as a file at this path (preferred for keys)."""


@dataclass(frozen=True)
class Environment:
    """The leading commands of a step that prepare its environment from a few files, not the source.

    They run before the source is placed, with only `reads` in the workdir, so what they leave
    behind depends on nothing else: an executor may keep it and start the next run from it when
    the environment key (stages.environment) is the same. The commands after them install the
    project itself and run the tools, on every run.
    """

    setup: int
    """How many of the step's first commands prepare the environment."""
    reads: tuple[str, ...]
    """The project files (paths relative to the root) those commands read: lock, pyproject.toml,
    requirement and constraint files, workspace members' pyprojects. Never the source."""
    writes: tuple[str, ...]
    """The absolute directories those commands write (the venv, coverage beside it): all an
    executor keeps of them. What they write elsewhere (a home directory's caches) is not part of
    the environment."""
    bytecode: bool = False
    """Whether the commands write the bytecode of what they import (Python's `__pycache__`
    beside each source). An executor that keeps the environment may keep, once the commands
    after the setup ran, that bytecode for the files the setup wrote — what a test run really
    loads — so the legs that reuse it load instead of compile. Python checks a file's bytecode
    against its source's size and mtime, so it is a cache; an executor keeps only bytecode whose
    source is the very file it kept (size and mtime to the nanosecond)."""
    later_env: tuple[str, ...] = ()
    """Names of the step's environment variables those commands do not read (the version a
    project is built as: they install its dependencies, never the project). They are set only
    for the commands after the setup and are not part of the environment's key, so a new commit
    of a project whose version comes from git reuses the environment of the last one."""


@dataclass(frozen=True)
class ContainerStep:
    """Run commands, one after another, in one container."""

    image: str
    """Reference of the image the container starts from."""
    commands: tuple[Command, ...]
    env: Mapping[str, str] = field(default_factory=dict[str, str])
    caches: tuple[CacheVolume, ...] = ()
    tools: tuple[ToolBinary, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    workdir: str = WORKDIR
    tree: str | None = None
    """Where the selected files are placed (their root); None: in the workdir. A workspace member's
    step places the workspace at /src and works in /src/<member>."""
    platform: str | None = None
    network: bool = True
    """Whether the step may reach the network (installing dependencies does)."""
    images_from: tuple[ImageInput, ...] = ()
    """Images of upstream build stages placed in the container, in the form scanners read."""
    files_from: tuple[FilesInput, ...] = ()
    """Output folders of upstream stages placed in the container (the built distributions, say)."""
    services: TestServices | None = None
    """Compose services started for the commands; the container joins their networks."""
    environment: Environment | None = None
    """When set, the first `environment.setup` commands prepare a reusable environment."""
    kind: Literal["container"] = "container"

    def __post_init__(self) -> None:
        """A reusable environment is kept by the executor: it must never see a secret."""
        if self.environment is not None:
            if self.secrets:
                msg = "a step with secrets cannot prepare a reusable environment"
                raise ValueError(msg)
            if not 0 < self.environment.setup <= len(self.commands):
                msg = f"environment.setup={self.environment.setup} is not a count of the step's commands"
                raise ValueError(msg)

    @property
    def files_dir(self) -> str:
        """The directory the selected files are placed in (`tree`, else the workdir)."""
        return self.tree or self.workdir

    @property
    def setup_commands(self) -> tuple[Command, ...]:
        """The commands that prepare the environment (none without one)."""
        return self.commands[: self.environment.setup] if self.environment else ()

    @property
    def main_commands(self) -> tuple[Command, ...]:
        """The commands that run after the source is in place (all of them without an environment)."""
        return self.commands[self.environment.setup :] if self.environment else self.commands

    @property
    def setup_env(self) -> dict[str, str]:
        """The environment variables the setup commands run with (`env` minus `later_env`)."""
        later = set(self.environment.later_env if self.environment else ())
        return {name: value for name, value in self.env.items() if name not in later}


@dataclass(frozen=True)
class TestServices:
    """Compose services a step's commands need, up and healthy before them, torn down after."""

    __test__ = False  # not a pytest test class

    file: str
    """The compose file, relative to the project root."""
    names: tuple[str, ...]
    timeout: float
    """Seconds for them to become healthy."""


@dataclass(frozen=True)
class ImageInput:
    """The image a build stage produced, as a docker-archive with uncompressed layers, at `path`.

    The build keeps one archive (the OCI layout publish pushes); each executor derives this form
    for the steps that read it (syft's `docker-archive:`, trivy's `--input`), so the scanners see
    the pushed image, named `tag`, without a second archive kept per build.
    """

    stage: str
    """The build stage's id."""
    path: str
    """The archive's path inside the container."""
    tag: str
    """The reference the archive names the image by (the build's local tag)."""


@dataclass(frozen=True)
class FilesInput:
    """What an upstream stage wrote (its whole output folder), placed in the container at `path`."""

    stage: str
    """The upstream stage's id (one the stage needs)."""
    path: str
    """Where its output folder's content appears inside the container."""


@dataclass(frozen=True)
class BuildStep:
    """Build an image from a Dockerfile for one platform and export it as a tarball."""

    context: str
    """Build context, relative to the project root."""
    dockerfile: str
    platform: str
    tag: str
    """Local reference the image is known by downstream (never pushed by this step)."""
    target: str | None = None
    build_args: Mapping[str, str] = field(default_factory=dict[str, str])
    labels: Mapping[str, str] = field(default_factory=dict[str, str])
    kind: Literal["build"] = "build"


@dataclass(frozen=True)
class ComposeStep:
    """Bring a compose stack up with a built image, wait for health, probe it, tear it down."""

    file: str
    service: str | None
    """The service whose image is replaced by the built one."""
    image_from: str | None
    """The build stage whose image is injected."""
    probes: tuple[HttpProbe | TcpProbe | ExecProbe, ...]
    """The config's probe models (HTTP, TCP, exec)."""
    timeout: float
    probe_timeout: float
    retries: int
    probe_image: str
    """The image an executor that cannot reach the stack from its own host probes from (Python)."""
    kind: Literal["compose"] = "compose"


@dataclass(frozen=True)
class PublishStep:
    """Push every platform's image as one manifest list per tag, then sign."""

    repository: str
    tags: tuple[str, ...]
    images_from: tuple[str, ...]
    """The build stages whose images make up the manifest list."""
    sign: bool
    secrets: tuple[SecretRef, ...]
    kind: Literal["publish"] = "publish"


@dataclass(frozen=True)
class IndexPublishStep:
    """Upload the distributions an upstream stage wrote to a package index (the core does the upload)."""

    upload_url: str
    """The index's legacy upload endpoint."""
    simple_url: str
    """The index's simple root, read to refuse a version it already has."""
    dist_from: str
    """The stage whose output folder holds the distributions (in its `dist/`)."""
    secrets: tuple[SecretRef, ...]
    kind: Literal["index-publish"] = "index-publish"


Action = ContainerStep | BuildStep | ComposeStep | PublishStep | IndexPublishStep
Evaluate = Callable[["StageOutcome"], "StageResult"]


@dataclass(frozen=True)
class Stage:
    """One node of the pipeline graph."""

    id: str
    """Unique id, e.g. `lint`, `test-3.12`, `build-linux-arm64`."""
    group: str
    """What users name on the command line: `lint`, `test`, `build`, `sbom`, `scan`, `compose`, `publish`."""
    description: str
    needs: tuple[str, ...]
    """Ids of the stages that must pass before this one starts."""
    inputs: SourceFilter
    action: Action
    evaluate: Evaluate
    outputs: tuple[str, ...] = ()
    """Report files (relative to the stage's output directory) the stage promises to write."""
    params: Mapping[str, str] = field(default_factory=dict[str, str])
    """Settings that change what the stage means (thresholds, versions): part of its digest."""
    not_applicable: str | None = None
    """When set, the stage cannot apply to this project and says why instead of running."""
    cacheable: bool = True
    """Whether an unchanged green result may be reused; publish always talks to the registry."""
    exclusive: bool = False
    """Whether the stage must run alone: the runner starts no other stage while it runs and waits
    for the running ones to end before it starts (benchmarks, whose timings others would disturb)."""
    budget: float | None = None
    """Seconds the stage may run (`[tool.shipyard.budgets]` of its group); over it, a green stage fails."""
    baseline: Baseline | None = None
    """A report a green run on the baseline branch keeps for later runs to compare with."""
    observes: tuple[VolumeFile, ...] = ()
    """State outside the project the verdict depends on (a scanner's vulnerability DB): the runner
    asks the executor for each file's digest, or its absence, and keys the cached result by them
    too, so a cached verdict holds only while they are as they were."""


@dataclass(frozen=True)
class Baseline:
    """Which report of a stage becomes the baseline, and on which ref."""

    report: str
    """The report file, relative to the stage's output directory."""
    ref: str
    """The git ref whose green runs record it, e.g. `refs/heads/main`."""
