"""The install commands a test leg runs: extras and groups for uv, extras and requirements for pip."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.stages.common import PYTEST_REQUIREMENT
from shipyard.stages.install import INSTALL_LABEL, UV, setup_for, venv_bin

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
        ("", ("-e", ".", PYTEST_REQUIREMENT)),
        ('extras = ["tests"]\n', ("-e", ".[tests]", PYTEST_REQUIREMENT)),
        (
            'extras = ["tests", "yaml"]\nrequirements = ["req.txt"]\n',
            ("-r", "req.txt", "-e", ".[tests,yaml]"),
        ),
    ],
)
def test_pip_installs_the_project_with_its_extras(
    write_project: Callable[[dict[str, str]], Path], table: str, expected: tuple[str, ...]
) -> None:
    root = write_project({"pyproject.toml": f"{PROJECT}[tool.shipyard.test]\n{table}", "req.txt": "pytest\n"})
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    assert _install_argv(root) == (*pip, *expected)
