"""Installing a project's environment inside a container: from uv.lock, or with pip.

Tests install exactly what the lock says (`uv sync --locked`): a lock that no longer matches
pyproject.toml fails the install, and `evaluate` names the fix.

The install is split in two: the dependencies from the files that declare them (never the source),
then the project itself once the source is in place. The first part is the step's reusable
environment (spec.Environment), kept by the executor under stages.environment's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.stages.bytecode import WARM_UP
from shipyard.stages.common import (
    COVERAGE_DIR,
    COVERAGE_REQUIREMENTS,
    PIP_CACHE,
    PYTEST_REQUIREMENT,
    UV_CACHE,
    VENV,
    tool_binary,
    tool_path,
)
from shipyard.stages.environment import pip_reads, uv_reads
from shipyard.stages.spec import CacheVolume, Command, Environment, ToolBinary

if TYPE_CHECKING:
    from shipyard.config.load import Project

UV = tool_path("uv")
BYTECODE_LABEL = "bytecode"
"""The command that writes the kept environment's bytecode (stages.bytecode)."""
INSTALL_LABEL = "install"
"""The command that installs the project itself (after the source is in place)."""
DEPS_LABEL = "install-deps"
"""The command that installs the project's dependencies without the project (environment setup)."""


@dataclass(frozen=True)
class Setup:
    """Commands, environment and mounts that give a container the project's environment."""

    prepare: tuple[Command, ...]
    """Commands that read only `reads` (never the source): the reusable environment."""
    project: tuple[Command, ...]
    """Commands run once the source is in place: the project itself into that environment."""
    reads: tuple[str, ...] | None
    """The files `prepare` reads; None when the setup cannot run without the source (no split:
    every command then runs after the source is placed, as `prepare + project`)."""
    env: dict[str, str]
    caches: tuple[CacheVolume, ...]
    tools: tuple[ToolBinary, ...]
    installer: str

    @property
    def commands(self) -> tuple[Command, ...]:
        """Every setup command, in order."""
        return (*self.prepare, *self.project)

    def environment(self) -> Environment | None:
        """The step's reusable environment: the `prepare` commands, when they can run apart."""
        if self.reads is None or not self.prepare:
            return None
        return Environment(setup=len(self.prepare), reads=self.reads)


def venv_bin(name: str) -> str:
    """Path of an executable of the project's environment."""
    return f"{VENV}/bin/{name}"


def installer_for(project: Project) -> str:
    """`uv` or `pip`: what the config asks for, or what the project's files imply."""
    chosen = project.config.test.installer
    if chosen == "auto":
        return "uv" if project.has_uv_lock else "pip"
    return chosen


def setup_for(project: Project, version: str) -> Setup:
    """Install the project and its test dependencies for Python `version` into VENV."""
    if installer_for(project) == "uv":
        return _uv_setup(project, version)
    return _pip_setup(project, version)


def _uv_setup(project: Project, version: str) -> Setup:
    groups = [arg for group in project.config.test.groups for arg in ("--group", group)]
    extras = [arg for extra in project.config.test.extras for arg in ("--extra", extra)]
    env = {
        "UV_CACHE_DIR": UV_CACHE.path,
        "UV_PROJECT_ENVIRONMENT": VENV,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
        "UV_NO_PROGRESS": "1",
    }
    # a workspace member installs from the workspace root, as that member (uv finds the root upward)
    member, workspace = project.member, project.workspace
    locked = workspace is not None and workspace.locked and member is not None and member.path != "."
    package = ("--package", project.name) if locked else ()
    sync = (UV, "sync", "--locked", *package, "--python", f"python{version}", *groups, *extras)
    reads = uv_reads(project)
    coverage = Command(
        argv=(
            UV,
            "pip",
            "install",
            "--python",
            venv_bin("python"),
            "--target",
            COVERAGE_DIR,
            *COVERAGE_REQUIREMENTS,
        ),
        label="install-coverage",
    )
    install = Command(argv=sync, label=INSTALL_LABEL)
    if reads is None:  # the lock cannot be checked without the source: everything after it
        prepare: tuple[Command, ...] = ()
        project_commands: tuple[Command, ...] = (install, coverage)
    else:
        # the dependencies alone first (--no-install-local: not the project, not a workspace member,
        # not a path dependency, which are all source); then the same sync with the source in
        # place, which adds only those. The kept environment gets the bytecode of what a test
        # run imports (stages.bytecode): later legs load it instead of compiling it again
        deps = Command(argv=(*sync, "--no-install-local"), label=DEPS_LABEL)
        warm = Command(argv=(venv_bin("python"), "-c", WARM_UP), may_fail=True, label=BYTECODE_LABEL)
        prepare, project_commands = (deps, coverage, warm), (install,)
    return Setup(
        prepare=prepare,
        project=project_commands,
        reads=reads,
        env={**env, "PYTHONPATH": COVERAGE_DIR},
        caches=(UV_CACHE,),
        tools=(tool_binary(project, "uv", UV),),
        installer="uv",
    )


def _pip_setup(project: Project, version: str) -> Setup:
    test = project.config.test
    requirements = [arg for req in test.requirements for arg in ("-r", req)]
    constraints = ["-c", test.constraints] if test.constraints else []
    pytest = [] if test.requirements else [PYTEST_REQUIREMENT]
    project_spec = f".[{','.join(test.extras)}]" if test.extras else "."
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    venv = Command(argv=(f"python{version}", "-m", "venv", VENV), label="venv")
    coverage = Command(
        argv=(*pip, "--target", COVERAGE_DIR, *COVERAGE_REQUIREMENTS), label="install-coverage"
    )
    reads = pip_reads(project)
    if reads is None:  # the requirements point into the tree: everything after the source
        whole = Command(
            argv=(*pip, *constraints, *requirements, "-e", project_spec, *pytest), label=INSTALL_LABEL
        )
        prepare: tuple[Command, ...] = ()
        project_commands: tuple[Command, ...] = (venv, whole, coverage)
    else:
        deps = Command(argv=(*pip, *constraints, *requirements, *pytest), label=DEPS_LABEL)
        prepare = (venv, deps, coverage)
        project_commands = (Command(argv=(*pip, *constraints, "-e", project_spec), label=INSTALL_LABEL),)
    return Setup(
        prepare=prepare,
        project=project_commands,
        reads=reads,
        env={"PIP_CACHE_DIR": PIP_CACHE.path, "PIP_NO_INPUT": "1", "PYTHONPATH": COVERAGE_DIR},
        caches=(PIP_CACHE,),
        tools=(),
        installer="pip",
    )
