"""The install commands a test leg runs: extras and groups for uv, extras and requirements for pip."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.errors import ConfigError
from shipyard.stages.common import COVERAGE_DIR, VENV
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
    assert [c.label for c in setup.prepare] == [DEPS_LABEL, "install-coverage"]
    assert setup.prepare[0].argv == (UV, "sync", "--locked", "--python", "python3.14", "--no-install-local")
    assert [c.label for c in setup.project] == [INSTALL_LABEL]
    reads = ("pyproject.toml", "uv.lock", "packages/a/pyproject.toml")
    assert setup.reads == reads
    # bytecode is written where Python writes it (the standard library's own stays in use)
    assert "PYTHONPYCACHEPREFIX" not in setup.env
    assert "PYTHONDONTWRITEBYTECODE" not in setup.env
    kept = Environment(setup=2, reads=reads, writes=(VENV, COVERAGE_DIR), bytecode=True)
    assert setup.environment() == kept


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


STRUCTLOG_GROUPS = """
[dependency-groups]
tests = ["pytest-asyncio>=0.17", "pytest-randomly", "pytest>=6.0", "simplejson"]
typing = ["mypy>=1.4"]
docs = ["sphinx<9"]
dev = [{include-group = "tests"}, {include-group = "typing"}]
"""


def _deps_argv(root: Path, version: str = "3.14") -> tuple[str, ...]:
    setup = setup_for(load_project(root), version)
    return next(command.argv for command in setup.commands if command.label == DEPS_LABEL)


def test_pip_installs_the_group_holding_pytest_when_nothing_else_brings_the_tests(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    """structlog's shape: no lock, no requirements file, its tests' plugins in [dependency-groups]."""
    root = write_project({"pyproject.toml": PROJECT + STRUCTLOG_GROUPS})
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    # `tests` (a preferred name) over `dev`, which includes it; the group's own pytest, no pin of ours
    assert _deps_argv(root) == (*pip, "pytest-asyncio>=0.17", "pytest-randomly", "pytest>=6.0", "simplejson")
    assert setup_for(load_project(root), "3.14").installer == "pip, group tests"


@pytest.mark.parametrize(
    ("groups", "table", "expected"),
    [
        # the configured groups win; include-group resolved
        (
            STRUCTLOG_GROUPS,
            'groups = ["dev"]\n',
            ("pytest-asyncio>=0.17", "pytest-randomly", "pytest>=6.0", "simplejson", "mypy>=1.4"),
        ),
        # a requirements file is the user's choice of test dependencies: no group added
        (STRUCTLOG_GROUPS, 'requirements = ["req.txt"]\n', ("-r", "req.txt")),
        # no group brings pytest: the pinned pytest, as before
        ('[dependency-groups]\ndocs = ["sphinx"]\n', "", ("pytest==9.2.0",)),
        # a group name spelled otherwise is the same group (PEP 735 normalises names)
        ('[dependency-groups]\nTest_Suite = ["pytest"]\n', 'groups = ["test-suite"]\n', ("pytest",)),
    ],
)
def test_pip_groups_configured_or_chosen(
    write_project: Callable[[dict[str, str]], Path], groups: str, table: str, expected: tuple[str, ...]
) -> None:
    text = f"{PROJECT}{groups}\n[tool.shipyard.test]\n{table}"
    root = write_project({"pyproject.toml": text, "req.txt": "pytest\n"})
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    assert _deps_argv(root) == (*pip, *expected)


def test_a_configured_group_the_project_lacks_is_a_config_error_naming_it(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {"pyproject.toml": f'{PROJECT}{STRUCTLOG_GROUPS}\n[tool.shipyard.test]\ngroups = ["tset"]\n'}
    )
    with pytest.raises(
        ConfigError, match=r"test\.groups names 'tset'.*fix: name one of: tests, typing, docs, dev"
    ):
        setup_for(load_project(root), "3.14")


@pytest.mark.parametrize(
    ("groups", "expected_tail"),
    [
        # uv installs `dev` by default, and dev includes the tests: nothing to add
        (STRUCTLOG_GROUPS, ()),
        # the tests' group is not a default one: it is added
        ('[dependency-groups]\ntests = ["pytest"]\ndev = ["ruff"]\n', ("--group", "tests")),
        # [tool.uv] default-groups is what uv installs
        ('[dependency-groups]\ndev = ["pytest"]\n[tool.uv]\ndefault-groups = []\n', ("--group", "dev")),
    ],
)
def test_uv_adds_the_tests_group_only_when_its_default_groups_lack_pytest(
    write_project: Callable[[dict[str, str]], Path], groups: str, expected_tail: tuple[str, ...]
) -> None:
    root = write_project({"pyproject.toml": PROJECT + groups, "uv.lock": "version = 1\n"})
    assert _install_argv(root) == (UV, "sync", "--locked", "--python", "python3.14", *expected_tail)


def test_a_poetry_projects_dev_group_is_what_pip_installs_for_its_tests(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    """rich's shape: poetry-core, `[tool.poetry.dev-dependencies]` holding pytest and attrs."""
    poetry = (
        '[tool.poetry]\nname = "demo"\n[tool.poetry.dev-dependencies]\npytest = "^7.0.0"\nattrs = "^21.4"\n'
    )
    root = write_project({"pyproject.toml": PROJECT + poetry})
    pip = (venv_bin("pip"), "install", "--disable-pip-version-check")
    assert _deps_argv(root) == (*pip, "pytest>=7.0.0,<8.0.0", "attrs>=21.4,<22.0")
    assert setup_for(load_project(root), "3.14").installer == "pip, group dev"


def test_a_poetry_lock_is_applied_as_pips_constraints_and_is_part_of_the_environment(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    poetry = '[tool.poetry]\nname = "demo"\n[tool.poetry.dev-dependencies]\npytest = "^8"\n'
    lock = '[[package]]\nname = "pytest"\nversion = "8.3.4"\n\n'
    lock += '[[package]]\nname = "pygments"\nversion = "2.17.2"\n'
    root = write_project({"pyproject.toml": PROJECT + poetry, "poetry.lock": lock})
    setup = setup_for(load_project(root), "3.13")
    written = next(c.argv for c in setup.commands if c.label == "poetry-lock")
    assert written[-2:] == ("pygments==2.17.2", "pytest==8.3.4")
    constraints = written[3]
    assert _deps_argv(root, "3.13")[3:5] == ("-c", constraints)
    assert _install_argv(root, "3.13")[3:5] == ("-c", constraints)
    environment = setup.environment()
    assert environment is not None
    assert "poetry.lock" in environment.reads  # a lock edit is a new environment


def test_a_requirements_file_that_brings_pytest_is_what_pip_installs_when_nothing_is_configured(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    """httpx's shape: no group, requirements.txt with `-e .[extras]` and the test tools."""
    files = {
        "pyproject.toml": PROJECT,
        "requirements.txt": "-e .[http2]\nchardet==5.2.0\npytest==8.4.1\ntrio==0.31.0\n",
        "docs/requirements.txt": "mkdocs==1.6.1\n",
    }
    root = write_project(files)
    setup = setup_for(load_project(root), "3.13")
    assert setup.installer == "pip, requirements.txt"
    install = next(c.argv for c in setup.commands if c.label == INSTALL_LABEL)
    assert install[3:5] == ("-r", "requirements.txt")
    assert setup.environment() is None  # `-e .` installs the tree: no environment apart from it
