"""Pieces several stages share: caches, file filters, tool binaries, pinned helper packages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.config.metadata_files import metadata_files
from shipyard.stages.spec import TOOLS_DIR, CacheVolume, SourceFilter, ToolBinary

if TYPE_CHECKING:
    from shipyard.config.load import Project

ALWAYS_EXCLUDED: tuple[str, ...] = (
    ".git/**",
    ".shipyard/**",
    ".venv/**",
    "**/__pycache__/**",
    "**/.pytest_cache/**",
    "**/.ruff_cache/**",
    "**/.mypy_cache/**",
    "**/node_modules/**",
    "**/*.pyc",
)
"""Never part of any stage's inputs: VCS data, shipyard's own state, local environments, caches."""

DOCS: tuple[str, ...] = ("docs/**", "**/*.md", "**/*.rst", ".github/**")
"""Files that change nothing a stage computes ..."""
PACKAGE_METADATA: tuple[str, ...] = ("README*", "LICENSE*", "COPYING*")
"""... except these, which build backends read into the package's metadata (and the files the
project's own configuration names for it: `metadata_kept`)."""

CONTAINER_FILES: tuple[str, ...] = (
    "**/Dockerfile*",
    "**/*.dockerfile",
    "**/compose*.y*ml",
    "**/docker-compose*.y*ml",
)

UV_CACHE = CacheVolume(name="shipyard-uv", path="/cache/uv")
PIP_CACHE = CacheVolume(name="shipyard-pip", path="/cache/pip")
RUFF_CACHE = CacheVolume(name="shipyard-ruff", path="/cache/ruff")
TRIVY_CACHE = CacheVolume(name="shipyard-trivy", path="/cache/trivy")

COVERAGE_REQUIREMENTS: tuple[str, ...] = (
    'coverage[toml]==7.16.2; python_version < "3.11"',
    'coverage[toml]==7.17.3; python_version >= "3.11"',
)
"""The coverage.py every test leg measures with (7.17 needs Python 3.11)."""
COVERAGE_DIR = "/opt/shipyard/coverage"
"""Where it is installed, apart from the project's environment (whose own pins stay untouched):
the test step puts it first on PYTHONPATH."""
PYTEST_REQUIREMENT = "pytest==9.2.0"
"""pytest for projects whose requirements do not bring their own (pip installer only)."""

VENV = "/venv"
"""The project's environment inside a test container (outside /src, so the source stays clean)."""


def python_image(project: Project, version: str) -> str:
    """The base image lint and tests run in for one Python version."""
    return project.config.python_image.format(version=version)


TOOLS_ROOT = TOOLS_DIR
"""Where tool executables appear in a step's container, each in a directory of its own."""


def tool_path(tool: str, name: str | None = None) -> str:
    """`/opt/shipyard/tools/uv/uv`: the path a tool's executable gets inside a step's container."""
    return f"{TOOLS_ROOT}/{tool}/{name or tool}"


def tool_binary(project: Project, tool: str, dest: str) -> ToolBinary:
    """A pinned tool's executable, placed in a step's container at `dest` (a `tool_path`)."""
    image = project.config.tools[tool]
    return ToolBinary(tool=tool, image=image.pinned, source=image.binary, dest=dest)


def metadata_kept(project: Project) -> tuple[str, ...]:
    """The documents a stage that installs or builds `project` keeps: its backend reads them."""
    return tuple(dict.fromkeys((*PACKAGE_METADATA, *metadata_files(project.root))))


def code_filter(project: Project, *extra_excludes: str) -> SourceFilter:
    """Everything but docs, container files and always-excluded paths, minus `extra_excludes`.

    The documents `project`'s build backend reads stay: its install builds it.
    """
    return SourceFilter(
        include=("**",),
        exclude=(*ALWAYS_EXCLUDED, *DOCS, *CONTAINER_FILES, *extra_excludes),
        keep=metadata_kept(project),
    )


def newest_python(project: Project) -> str:
    """The Python version single-version stages (lint, the essential tier's test) use."""
    return project.pythons[-1]
