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

from shipyard.config.dependency_groups import (
    dependency_groups,
    group_of_tests,
    normalized,
    requirement_names,
    uv_default_groups,
)
from shipyard.config.poetry_groups import POETRY_LOCK, poetry_lock_pins
from shipyard.config.requirement_files import requirement_files
from shipyard.errors import ConfigError
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
    from collections.abc import Mapping

    from shipyard.config.load import Project

UV = tool_path("uv")
INSTALL_LABEL = "install"
"""The command that installs the project itself (after the source is in place)."""
LOCK_CONSTRAINTS = f"{VENV}/shipyard-poetry-lock.txt"
"""Where a Poetry project's locked versions are written for pip's `-c` (inside the kept venv)."""
WRITE_LINES = "import sys; open(sys.argv[1], 'w').write(''.join(a + chr(10) for a in sys.argv[2:]))"
"""A `python -c` that writes its arguments to the file it is given, one per line."""
LEG_PYTHON_ENV = {"PYTHONPATH": COVERAGE_DIR}
"""Every leg's Python: coverage first on the path. Bytecode is written as Python does by default
(a `__pycache__` beside each source, in the leg's own container): a kept environment takes the
part that is its own (spec.Environment.bytecode). No PYTHONPYCACHEPREFIX: with one, Python
ignores the image's compiled standard library and compiles what it imports of it on every leg."""
_OWN_COVERAGE = """\
import glob, os, sys
def found(*parts):
    return [hit for folder in sys.path[1:] for hit in glob.glob(os.path.join(folder, *parts))]
versions = [os.path.basename(p)[9:-10] for p in found("coverage-*.dist-info")]
major = versions[0].split(".")[0] if len(versions) == 1 else ""
usable = major.isdigit() and int(major) >= 7 and found("coverage", "tracer.*.so")
if usable and (sys.version_info >= (3, 11) or found("tomli", "__init__.py")):
    print(f"coverage {versions[0]}: the project's own, from its environment")
    sys.exit(0)
os.execv(sys.argv[1], sys.argv[1:])
"""
OWN_COVERAGE = f"exec({_OWN_COVERAGE!r})"
"""A `python -c` run by the environment's interpreter: when the project's environment has a
coverage.py of its own (7 or later, with its C tracer; with a TOML reader below Python 3.11,
so `[tool.coverage]` in pyproject.toml is read) the leg measures with that one, as the project's
own CI does; otherwise it runs the command it is given (installing COVERAGE_REQUIREMENTS into
COVERAGE_DIR). A separate install took 0.3-0.5 s of every preparing leg. It looks at the files
only (importing coverage or importlib.metadata would compile them first: as long as the install).
coverage.py 7.0 has every option the leg uses (`run --data-file`, `json -q -o`)."""
DEPS_LABEL = "install-deps"
"""The command that installs the project's dependencies without the project (environment setup)."""
COVERAGE_LABEL = "install-coverage"


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
        return Environment(
            setup=len(self.prepare), reads=self.reads, writes=(VENV, COVERAGE_DIR), bytecode=True
        )


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


def groups_installed(project: Project) -> tuple[str, ...]:
    """The dependency groups a test leg installs.

    The configured ones; else, with no requirement files configured, the group holding pytest when
    the default install would bring no pytest (pip installs no group by itself, uv only its
    default groups).
    """
    test = project.config.test
    if test.groups or test.requirements:
        return test.groups
    uv_defaults = uv_default_groups(project.root) if installer_for(project) == "uv" else None
    return derived_test_groups(dependency_groups(project.root), uv_defaults)


def derived_test_groups(
    groups: Mapping[str, tuple[str, ...]], uv_defaults: tuple[str, ...] | None
) -> tuple[str, ...]:
    """The group holding pytest, when the default install brings none (no `test.groups` set).

    `uv_defaults`: the groups `uv sync` installs by itself, or None for pip (which installs none).
    """
    chosen = group_of_tests(dict(groups))
    if chosen is None:
        return ()
    if uv_defaults is not None and any(
        "pytest" in requirement_names(groups.get(group, ())) for group in uv_defaults
    ):
        return ()
    return (chosen,)


def _group_requirements(project: Project, groups: tuple[str, ...]) -> tuple[str, ...]:
    """The requirement strings of `groups` (PEP 735, includes resolved), for pip to install."""
    table = dependency_groups(project.root)
    missing = [group for group in groups if normalized(group) not in table]
    if missing:
        raise ConfigError(
            f"{project.config_file}: test.groups names {missing[0]!r}, which "
            f"{project.root / 'pyproject.toml'} [dependency-groups] does not define",
            fix=f"name one of: {', '.join(table) or 'none defined'}",
        )
    return tuple(dict.fromkeys(spec for g in groups for spec in table[normalized(g)]))


def requirements_installed(project: Project) -> tuple[str, ...]:
    """The requirement files a pip leg installs.

    The configured ones; else, when no dependency group brings the tests, the first of the
    project's requirement files that brings pytest (`dev`/`test` names first): httpx keeps its
    test dependencies in requirements.txt, and `. + pytest` alone fails its imports.
    """
    test = project.config.test
    if test.requirements or test.groups or groups_installed(project):
        return test.requirements
    return requirement_files(project.root)[1][:1]


def _described(installer: str, groups: tuple[str, ...], files: tuple[str, ...] = ()) -> str:
    chosen = [f"group {', '.join(groups)}"] if groups else []
    chosen += [", ".join(files)] if files else []
    return ", ".join((installer, *chosen))


def _coverage(install: tuple[str, ...]) -> Command:
    """The project's own coverage.py when its environment has a usable one, else `install` (OWN_COVERAGE)."""
    return Command(argv=(venv_bin("python"), "-c", OWN_COVERAGE, *install), label=COVERAGE_LABEL)


def _uv_setup(project: Project, version: str) -> Setup:
    chosen = groups_installed(project)
    groups = [arg for group in chosen for arg in ("--group", group)]
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
    coverage = _coverage(
        (
            UV,
            "pip",
            "install",
            "--python",
            venv_bin("python"),
            "--target",
            COVERAGE_DIR,
            *COVERAGE_REQUIREMENTS,
        )
    )
    install = Command(argv=sync, label=INSTALL_LABEL)
    if reads is None:  # the lock cannot be checked without the source: everything after it
        prepare: tuple[Command, ...] = ()
        project_commands: tuple[Command, ...] = (install, coverage)
    else:
        # the dependencies alone first (--no-install-local: not the project, not a workspace member,
        # not a path dependency, which are all source); then the same sync with the source in
        # place, which adds only those
        deps = Command(argv=(*sync, "--no-install-local"), label=DEPS_LABEL)
        prepare, project_commands = (deps, coverage), (install,)
    return Setup(
        prepare=prepare,
        project=project_commands,
        reads=reads,
        env={**env, **LEG_PYTHON_ENV},
        caches=(UV_CACHE,),
        tools=(tool_binary(project, "uv", UV),),
        installer=_described("uv", chosen),
    )


def _pip_setup(project: Project, version: str) -> Setup:
    test = project.config.test
    chosen = groups_installed(project)
    group_specs = _group_requirements(project, chosen)
    files = requirements_installed(project)
    requirements = [arg for req in files for arg in ("-r", req)] + list(group_specs)
    constraints = ["-c", test.constraints] if test.constraints else []
    pins = () if test.constraints else poetry_lock_pins(project.root)
    locked: tuple[Command, ...] = ()
    if pins:  # poetry.lock's versions: what the project's own CI tests against
        locked = (
            Command(
                argv=(f"python{version}", "-c", WRITE_LINES, LOCK_CONSTRAINTS, *pins), label="poetry-lock"
            ),
        )
        constraints = ["-c", LOCK_CONSTRAINTS]
    brings_pytest = files or "pytest" in requirement_names(group_specs)
    pytest = [] if brings_pytest else [PYTEST_REQUIREMENT]
    project_spec = f".[{','.join(test.extras)}]" if test.extras else "."
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    venv = Command(argv=(f"python{version}", "-m", "venv", VENV), label="venv")
    coverage = _coverage((*pip, "--target", COVERAGE_DIR, *COVERAGE_REQUIREMENTS))
    reads = pip_reads(project, files)
    if reads is not None and pins:
        reads = (*reads, POETRY_LOCK)
    if reads is None:  # the requirements point into the tree: everything after the source
        whole = Command(
            argv=(*pip, *constraints, *requirements, "-e", project_spec, *pytest), label=INSTALL_LABEL
        )
        prepare: tuple[Command, ...] = ()
        project_commands: tuple[Command, ...] = (venv, *locked, whole, coverage)
    else:
        deps = Command(argv=(*pip, *constraints, *requirements, *pytest), label=DEPS_LABEL)
        prepare = (venv, *locked, deps, coverage)
        project_commands = (Command(argv=(*pip, *constraints, "-e", project_spec), label=INSTALL_LABEL),)
    return Setup(
        prepare=prepare,
        project=project_commands,
        reads=reads,
        env={"PIP_CACHE_DIR": PIP_CACHE.path, "PIP_NO_INPUT": "1", **LEG_PYTHON_ENV},
        caches=(PIP_CACHE,),
        tools=(),
        installer=_described("pip", chosen, files),
    )
