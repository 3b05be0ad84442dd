"""Installing a project's environment inside a container: from uv.lock, or with pip.

Tests install exactly what the lock says (`uv sync --locked`): a lock that no longer matches
pyproject.toml fails the install, and `evaluate` names the fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.stages.common import (
    COVERAGE_DIR,
    COVERAGE_REQUIREMENTS,
    PIP_CACHE,
    PYTEST_REQUIREMENT,
    UV_CACHE,
    VENV,
    tool_binary,
)
from shipyard.stages.spec import CacheVolume, Command, ToolBinary

if TYPE_CHECKING:
    from shipyard.config.load import Project

UV = "/usr/local/bin/uv"
INSTALL_LABEL = "install"


@dataclass(frozen=True)
class Setup:
    """Commands, environment and mounts that give a container the project's environment."""

    commands: tuple[Command, ...]
    env: dict[str, str]
    caches: tuple[CacheVolume, ...]
    tools: tuple[ToolBinary, ...]
    installer: str


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
    commands = (
        Command(
            argv=(UV, "sync", "--locked", "--python", f"python{version}", *groups, *extras),
            label=INSTALL_LABEL,
        ),
        Command(
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
        ),
    )
    return Setup(
        commands=commands,
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
    commands = (
        Command(argv=(f"python{version}", "-m", "venv", VENV), label="venv"),
        Command(
            argv=(
                venv_bin("pip"),
                "install",
                "--disable-pip-version-check",
                *constraints,
                *requirements,
                "-e",
                project_spec,
                *pytest,
            ),
            label=INSTALL_LABEL,
        ),
        Command(
            argv=(
                venv_bin("pip"),
                "install",
                "--disable-pip-version-check",
                "--target",
                COVERAGE_DIR,
                *COVERAGE_REQUIREMENTS,
            ),
            label="install-coverage",
        ),
    )
    return Setup(
        commands=commands,
        env={"PIP_CACHE_DIR": PIP_CACHE.path, "PIP_NO_INPUT": "1", "PYTHONPATH": COVERAGE_DIR},
        caches=(PIP_CACHE,),
        tools=(),
        installer="pip",
    )
