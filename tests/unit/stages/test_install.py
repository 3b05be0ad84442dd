"""The install commands a test leg runs: extras and groups for uv, extras and requirements for pip."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.stages.install import DEPS_LABEL, INSTALL_LABEL, UV, setup_for, venv_bin
from shipyard.stages.spec import Environment

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PROJECT = '[project]\nname = "demo"\nversion = "1.0"\nrequires-python = ">=3.11"\n'


def _install_argv(root: Path, version: str = "3.14") -> tuple[str, ...]:
    setup = setup_for(load_project(root), version)
    return next(command.argv for command in setup.commands if command.label == INSTALL_LABEL)


@pytest.mark.parametrize(
    ("table", "expected_tail"),
    [
        ("", ()),
        ('extras = ["tests"]\n', ("--extra", "tests")),
        ('extras = ["tests", "yaml"]\n', ("--extra", "tests", "--extra", "yaml")),
        ('groups = ["lint"]\nextras = ["tests"]\n', ("--group", "lint", "--extra", "tests")),
    ],
)
def test_uv_syncs_the_lock_with_the_configured_extras_and_groups(
    write_project: Callable[[dict[str, str]], Path], table: str, expected_tail: tuple[str, ...]
) -> None:
    text = f"{PROJECT}[tool.shipyard.test]\n{table}"
    root = write_project({"pyproject.toml": text, "uv.lock": "version = 1\n"})
    assert _install_argv(root) == (UV, "sync", "--locked", "--python", "python3.14", *expected_tail)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("", ("-e", ".")),
        ('extras = ["tests"]\n', ("-e", ".[tests]")),
        ('extras = ["tests", "yaml"]\nrequirements = ["req.txt"]\n', ("-e", ".[tests,yaml]")),
    ],
)
def test_pip_installs_the_project_with_its_extras(
    write_project: Callable[[dict[str, str]], Path], table: str, expected: tuple[str, ...]
) -> None:
    root = write_project({"pyproject.toml": f"{PROJECT}[tool.shipyard.test]\n{table}", "req.txt": "pytest\n"})
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    assert _install_argv(root) == (*pip, *expected)


def test_uv_installs_the_locked_dependencies_from_the_lock_alone_then_the_project(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": f'{PROJECT}[tool.uv.workspace]\nmembers = ["packages/*"]\n',
            "uv.lock": "version = 1\n",
            "packages/a/pyproject.toml": '[project]\nname = "a"\nversion = "1"\n',
            "packages/a/src/a/__init__.py": "",
            "src/demo/__init__.py": "",
        }
    )
    setup = setup_for(load_project(root), "3.14")
    assert [c.label for c in setup.prepare] == [DEPS_LABEL, "install-coverage", "bytecode"]
    assert setup.prepare[0].argv == (UV, "sync", "--locked", "--python", "python3.14", "--no-install-local")
    assert setup.prepare[2].argv[:2] == ("/venv/bin/python", "-c")  # warms the kept bytecode
    assert setup.prepare[2].may_fail  # a cache: a failed warm-up changes no verdict
    assert [c.label for c in setup.project] == [INSTALL_LABEL]
    reads = ("pyproject.toml", "uv.lock", "packages/a/pyproject.toml")
    assert setup.reads == reads
    assert setup.environment() == Environment(setup=3, reads=reads)


def test_pip_installs_requirements_and_constraints_first_and_follows_nested_files(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    table = 'requirements = ["req/dev.txt"]\nconstraints = "c.txt"\n'
    root = write_project(
        {
            "pyproject.toml": f"{PROJECT}[tool.shipyard.test]\n{table}",
            "req/dev.txt": "-r base.txt\npytest  # tests\n",
            "req/base.txt": "--constraint ../c.txt\nidna\n",
            "c.txt": "idna==3.10\n",
        }
    )
    setup = setup_for(load_project(root), "3.14")
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    assert setup.prepare[1].argv == (*pip, "-c", "c.txt", "-r", "req/dev.txt")
    assert setup.project[0].argv == (*pip, "-c", "c.txt", "-e", ".")
    assert setup.reads == ("req/dev.txt", "c.txt", "req/base.txt")


@pytest.mark.parametrize(
    "files",
    [
        {
            "pyproject.toml": f'{PROJECT}[tool.shipyard.test]\nrequirements = ["r.txt"]\n',
            "r.txt": "-e .\nidna\n",
        },
        {"pyproject.toml": PROJECT.replace('version = "1.0"', 'dynamic = ["dependencies"]'), "uv.lock": ""},
    ],
    ids=["pip requirements that install the tree", "uv with dependencies the backend computes"],
)
def test_a_setup_that_needs_the_source_is_not_split(
    write_project: Callable[[dict[str, str]], Path], files: dict[str, str]
) -> None:
    setup = setup_for(load_project(write_project(files)), "3.14")
    assert setup.prepare == ()
    assert setup.environment() is None
    assert INSTALL_LABEL in [c.label for c in setup.project]
