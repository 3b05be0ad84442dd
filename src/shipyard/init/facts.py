"""What `shipyard init` finds in a project, as one frozen model: the input of every decision it makes.

Read the way `shipyard plan` reads a project: the same pyproject.toml parsing, the matrix from
requires-python (config.load), compose's own file names, the version from git (config.vcs_version,
plan.version) and the project's ruff pin (stages.ruff_version); plus what only init needs: where
pytest comes from, the project's own runners (tox, nox, pre-commit), its Dockerfiles and compose
services, the environment variables its tests read, its workspace members and its existing workflows.
"""

from __future__ import annotations

import configparser
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ConfigDict

from shipyard.config.dependency_groups import pep735_groups, requirement_names
from shipyard.config.load import PYPROJECT, default_pythons, left_out_pythons, missing_pyproject
from shipyard.config.models import COMPOSE_FILE_NAMES
from shipyard.config.requirement_files import requirement_files
from shipyard.config.toml_document import toml_table
from shipyard.config.vcs_version import vcs_backend
from shipyard.errors import ConfigError
from shipyard.gitinfo import read_git
from shipyard.init.compose_scan import ComposeFile, read_compose
from shipyard.init.env_reads import env_reads_of_tests
from shipyard.init.runners import RunnerFacts, read_runners
from shipyard.plan.version import project_version
from shipyard.stages.ruff_version import project_ruff

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        ".shipyard",
        "__pycache__",
        "build",
        "dist",
    }
)
"""Directories never searched for Dockerfiles, compose files or packages."""
SEARCH_DEPTH = 3
"""How many directory levels below the root are searched for Dockerfiles and compose files."""
CONSTRAINT_FILES = ("constraints.txt", "constraints/*.txt", "requirements/constraints.txt")


class ProjectFacts(BaseModel):
    """Everything `shipyard init` found in a project."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    root: Path
    name: str
    """`[project].name`, or the directory's name."""
    build_backend: str | None = None
    requires_python: str | None = None
    matrix: tuple[str, ...] = ()
    """The test matrix the defaults give (empty when requires-python admits only end-of-life versions)."""
    end_of_life_only: tuple[str, ...] = ()
    """The end-of-life versions requires-python admits when it admits no current one."""
    end_of_life_admitted: tuple[str, ...] = ()
    """Every end-of-life version requires-python admits (never part of a derived matrix)."""
    uv_lock: bool = False
    requirement_files: tuple[str, ...] = ()
    """Requirement files at the usual places, relative to the root."""
    pytest_requirement_files: tuple[str, ...] = ()
    """Those that bring pytest, directly or through `-r`."""
    constraints: str | None = None
    dependencies: tuple[str, ...] = ()
    """Normalised names of `[project] dependencies`."""
    extras: dict[str, tuple[str, ...]] = {}
    """`[project.optional-dependencies]`: normalised names per extra."""
    groups: dict[str, tuple[str, ...]] = {}
    """`[dependency-groups]` (includes resolved): normalised names per group."""
    default_groups: tuple[str, ...] = ("dev",)
    """The groups `uv sync` installs without `--group` (`[tool.uv] default-groups`)."""
    packages: tuple[str, ...] = ()
    """Import packages, relative to the root (`src/app`, `app`)."""
    src_layout: bool = False
    tests_dir: str | None = None
    pytest_markers: dict[str, str] = {}
    """Markers the pytest configuration declares, with their descriptions."""
    pytest_addopts: tuple[str, ...] = ()
    test_env_reads: tuple[str, ...] = ()
    """Environment variables the tests (and conftest.py files) read and do not set themselves."""
    coverage_fail_under: float | None = None
    """The project's own coverage floor (`[tool.coverage.report] fail_under`, `--cov-fail-under`)."""
    dockerfiles: tuple[str, ...] = ()
    compose_files: tuple[ComposeFile, ...] = ()
    workspace_members: tuple[str, ...] = ()
    vcs_backend: str | None = None
    """The build backend plugin that takes the version from git."""
    version: str | None = None
    """The version the project is built as (from git for a vcs backend)."""
    ruff: str | None = None
    """The ruff version the lint stage will run, and where it was read: `0.12.0 (uv.lock)`."""
    runners: tuple[RunnerFacts, ...] = ()
    workflows: tuple[str, ...] = ()
    """Existing `.github/workflows/*.yml`."""
    github_repository: str | None = None
    """`owner/name` of the `origin` remote when it is on github.com."""
    has_dagger_json: bool = False
    has_shipyard_table: bool = False
    """pyproject.toml already has `[tool.shipyard]`."""
    has_shipyard_toml: bool = False

    def installs(self, package: str) -> str | None:
        """Where the default install gets `package` from: `dependencies`, a default group, or None."""
        if package in self.dependencies:
            return "dependencies"
        if self.uv_lock:
            return next(
                (f"group {g}" for g in self.default_groups if package in self.groups.get(g, ())), None
            )
        return None


def _names(specs: object) -> tuple[str, ...]:
    listed = cast("list[object]", specs) if isinstance(specs, list) else []
    return requirement_names(tuple(spec for spec in listed if isinstance(spec, str)))


def _walk(root: Path) -> list[Path]:
    """Files under `root` up to SEARCH_DEPTH levels, skipping SKIPPED_DIRS, sorted by depth then name."""
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        here = Path(directory)
        depth = len(here.relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and depth < SEARCH_DEPTH)
        found += [here / f for f in files]
    return sorted(found, key=lambda p: (len(p.relative_to(root).parts), str(p)))


def _is_dockerfile(name: str) -> bool:
    return (
        name in {"Dockerfile", "Containerfile"}
        or name.startswith("Dockerfile.")
        or name.endswith(".Dockerfile")
    )


def _is_compose(name: str) -> bool:
    return name in COMPOSE_FILE_NAMES or bool(re.fullmatch(r"(docker-)?compose\.[\w-]+\.ya?ml", name))


def _packages(root: Path) -> tuple[tuple[str, ...], bool]:
    src = root / "src"
    base = src if src.is_dir() else root
    found = [
        str(path.relative_to(root))
        for path in sorted(base.iterdir())
        if path.is_dir()
        and (path / "__init__.py").is_file()
        and path.name not in {"tests", "test", *SKIPPED_DIRS}
    ]
    return tuple(found), src.is_dir()


def _ini(root: Path, name: str) -> configparser.ConfigParser | None:
    path = root / name
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error:
        return None
    return parser


def _marker_map(lines: list[str]) -> dict[str, str]:
    markers: dict[str, str] = {}
    for line in lines:
        name, _, description = line.partition(":")
        name = name.split("(", 1)[0].strip()
        if name:
            markers[name] = description.strip()
    return markers


def _pytest_config(root: Path, document: dict[str, Any]) -> tuple[dict[str, str], tuple[str, ...]]:
    """(markers, addopts) from pyproject.toml, pytest.ini, tox.ini or setup.cfg: pytest's own order."""
    pytest = toml_table(toml_table(document.get("tool")).get("pytest"))
    options = toml_table(pytest.get("ini_options")) or pytest
    if options:
        markers = [m for m in cast("list[object]", options.get("markers") or []) if isinstance(m, str)]
        addopts: object = options.get("addopts") or []
        args = addopts.split() if isinstance(addopts, str) else list(cast("list[object]", addopts))
        return _marker_map(markers), tuple(str(a) for a in args)
    for name, section in (("pytest.ini", "pytest"), ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        parser = _ini(root, name)
        if parser is not None and parser.has_section(section):
            lines = [line.strip() for line in parser.get(section, "markers", fallback="").splitlines()]
            return _marker_map([line for line in lines if line]), tuple(
                parser.get(section, "addopts", fallback="").split()
            )
    return {}, ()


def _fail_under(root: Path, document: dict[str, Any], addopts: tuple[str, ...]) -> float | None:
    report = toml_table(toml_table(toml_table(document.get("tool")).get("coverage")).get("report"))
    value: object = report.get("fail_under")
    for name, section in (
        (".coveragerc", "report"),
        ("setup.cfg", "coverage:report"),
        ("tox.ini", "coverage:report"),
    ):
        parser = _ini(root, name)
        if value is None and parser is not None and parser.has_option(section, "fail_under"):
            value = parser.get(section, "fail_under")
    for option in addopts:
        if option.startswith("--cov-fail-under="):
            value = option.split("=", 1)[1]
    try:
        return float(cast("float | str", value)) if value is not None else None
    except ValueError:
        return None


def _github_repository(root: Path) -> str | None:
    config = root / ".git" / "config"
    if not config.is_file():
        return None
    text = config.read_text(encoding="utf-8", errors="replace")
    section = re.search(r'\[remote "origin"\][^\[]*?url\s*=\s*(\S+)', text)
    if section is None:
        return None
    match = re.search(r"github\.com[:/]([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", section.group(1))
    return f"{match.group(1)}/{match.group(2)}" if match else None


def _workspace(root: Path, document: dict[str, Any]) -> tuple[str, ...]:
    workspace = toml_table(toml_table(toml_table(document.get("tool")).get("uv")).get("workspace"))
    members: list[str] = []
    for pattern in cast("list[object]", workspace.get("members") or []):
        if isinstance(pattern, str):
            members += [
                str(p.relative_to(root)) for p in sorted(root.glob(pattern)) if (p / PYPROJECT).is_file()
            ]
    return tuple(dict.fromkeys(members))


def _matrix(requires_python: object, pyproject: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The derived matrix and every end-of-life version requires-python admits (config.load's rules).

    Both are empty for a requires-python that is no specifier; the matrix is empty when it admits
    no current version.
    """
    try:
        admitted = left_out_pythons((), requires_python, pyproject)
    except ConfigError:
        return (), ()
    try:
        return default_pythons(requires_python, pyproject), admitted
    except ConfigError:
        return (), admitted


def inspect_project(root: Path, *, today: dt.date | None = None) -> ProjectFacts:
    """Read what `shipyard init` needs from the project at `root` (which must hold a pyproject.toml)."""
    root = root.resolve()
    pyproject = root / PYPROJECT
    if not pyproject.is_file():
        raise missing_pyproject(root, "shipyard init")
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: not valid TOML: {exc}", fix="correct the TOML syntax") from exc
    project = toml_table(document.get("project"))
    tool = toml_table(document.get("tool"))
    requires_python = project.get("requires-python")
    matrix, end_of_life = _matrix(requires_python, pyproject)  # end-of-life versions it admits
    files = _walk(root)
    relative = [str(p.relative_to(root)) for p in files]
    markers, addopts = _pytest_config(root, document)
    found_files, with_pytest = requirement_files(root)
    packages, src_layout = _packages(root)
    backend = vcs_backend(document)
    git = read_git(root)
    name = project.get("name")
    static = project.get("version")
    version = project_version(
        backend,
        git,
        static=static if isinstance(static, str) else "0.0.0",
        today=today or dt.datetime.now(tz=dt.timezone.utc).date(),
        environ=os.environ,
    )
    ruff = project_ruff(root)
    constraints = next(
        (str(p.relative_to(root)) for pat in CONSTRAINT_FILES for p in sorted(root.glob(pat))), None
    )
    default_groups = toml_table(tool.get("uv")).get("default-groups", ["dev"])
    tests_dir = next((d for d in ("tests", "test") if (root / d).is_dir()), None)
    return ProjectFacts(
        root=root,
        name=name if isinstance(name, str) else root.name,
        build_backend=toml_table(document.get("build-system")).get("build-backend"),
        requires_python=requires_python if isinstance(requires_python, str) else None,
        matrix=matrix,
        end_of_life_only=() if matrix else end_of_life,
        end_of_life_admitted=end_of_life,
        uv_lock=(root / "uv.lock").is_file(),
        requirement_files=found_files,
        pytest_requirement_files=with_pytest,
        constraints=constraints,
        dependencies=_names(project.get("dependencies")),
        extras={k: _names(v) for k, v in toml_table(project.get("optional-dependencies")).items()},
        groups={name: requirement_names(specs) for name, specs in pep735_groups(document).items()},
        default_groups=tuple(cast("list[str]", default_groups))
        if isinstance(default_groups, list)
        else ("dev",),
        packages=packages,
        src_layout=src_layout,
        tests_dir=tests_dir,
        pytest_markers=markers,
        pytest_addopts=addopts,
        test_env_reads=env_reads_of_tests(root, tests_dir, SKIPPED_DIRS),
        coverage_fail_under=_fail_under(root, document, addopts),
        dockerfiles=tuple(r for r, p in zip(relative, files, strict=True) if _is_dockerfile(p.name)),
        compose_files=tuple(
            read_compose(root, r) for r, p in zip(relative, files, strict=True) if _is_compose(p.name)
        ),
        workspace_members=_workspace(root, document),
        vcs_backend=backend.name if backend else None,
        version=version.value if backend else (static if isinstance(static, str) else None),
        ruff=f"{ruff.version} ({ruff.source})" if ruff else None,
        runners=read_runners(root),
        workflows=tuple(sorted(r for r in relative if re.fullmatch(r"\.github/workflows/[^/]+\.ya?ml", r))),
        github_repository=_github_repository(root),
        has_dagger_json=(root / "dagger.json").is_file(),
        has_shipyard_table="shipyard" in tool,
        has_shipyard_toml=(root / "shipyard.toml").is_file(),
    )
