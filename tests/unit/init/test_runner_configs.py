"""tox wherever tox 4 reads it, nox's sessions and frozen pre-commit pins, as real projects write them.

The native `[tool.tox]` table below is pallets/itsdangerous's (2.3.0.dev): its env_list tests
3.10, which shipyard's derived matrix leaves out as past its end of life.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.init.runners import env_pythons, read_pre_commit, read_runners, read_tox_config

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    Init = tuple[int, str, str]
    Table = Callable[[Path], dict[str, Any]]

NATIVE_TOX = """
[tool.tox]
env_list = [
    "py3.13", "py3.12", "py3.11", "py3.10",
    "pypy311",
    "style",
    "typing",
]

[tool.tox.env_run_base]
description = "pytest on latest dependency versions"
runner = "uv-venv-lock-runner"
dependency_groups = ["tests"]
commands = [[
    "pytest", "-v", "--tb=short", "-m", "not slow", "--basetemp={env_tmp_dir}",
    {replace = "posargs", default = [], extend = true},
]]

[tool.tox.env.style]
dependency_groups = ["pre-commit"]
skip_install = true
commands = [["pre-commit", "run", "--all-files"]]
"""

LEGACY_TOX = '''
[tool.tox]
legacy_tox_ini = """
[tox]
envlist = py3{10,11,12}-django{42,50}

[testenv]
deps =
    -r requirements/test.txt
commands = pytest -m "not network" {posargs}
"""
'''


def _project(name: str, body: str, *, requires: str = ">=3.10") -> str:
    return f'[project]\nname = "{name}"\nversion = "1.0.0"\nrequires-python = "{requires}"\n{body}'


@pytest.mark.parametrize(
    ("names", "pythons"),
    [
        (["py3.13", "py3.12", "py3.11", "py3.10", "pypy311", "style"], ("3.10", "3.11", "3.12", "3.13")),
        (["py3{10,11,12}-django{42,50}"], ("3.10", "3.11", "3.12")),
        (["lint-py312", "py3", "docs"], ("3.12",)),
        ([], ()),
    ],
)
def test_tox_environment_names_give_the_pythons_they_ask_for(
    names: list[str], pythons: tuple[str, ...]
) -> None:
    assert env_pythons(names) == pythons


def test_a_native_tool_tox_table_is_read_with_its_pythons_and_marker(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": _project("signer", NATIVE_TOX)})

    tox = read_tox_config(root)

    assert tox is not None
    assert tox.file == "pyproject.toml [tool.tox]"
    assert tox.pythons == ("3.10", "3.11", "3.12", "3.13")
    assert tox.markers == "not slow"
    assert tox.groups == ("tests",)  # style's pre-commit group runs no pytest


def test_legacy_tox_ini_in_pyproject_is_read_as_ini_generative_names_included(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": _project("webby", LEGACY_TOX)})

    tox = read_tox_config(root)

    assert tox is not None
    assert tox.file == "pyproject.toml [tool.tox] legacy_tox_ini"
    assert tox.pythons == ("3.10", "3.11", "3.12")
    assert tox.requirement_files == ("requirements/test.txt",)
    assert tox.markers == "not network"


def test_tox_ini_wins_over_tool_tox_and_tox_toml_is_read_last(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": _project("both", NATIVE_TOX),
            "tox.ini": "[tox]\nenvlist = py312\n\n[testenv]\ncommands = pytest\n",
        }
    )
    tox = read_tox_config(root)
    assert tox is not None
    assert (tox.file, tox.pythons) == ("tox.ini", ("3.12",))

    (root / "tox.ini").unlink()
    (root / "pyproject.toml").write_text(_project("both", ""), encoding="utf-8")
    (root / "tox.toml").write_text('env_list = ["py311"]\n[env_run_base]\ncommands = [["pytest"]]\n')
    tox = read_tox_config(root)
    assert tox is not None
    assert (tox.file, tox.pythons) == ("tox.toml", ("3.11",))


@pytest.mark.parametrize(
    "broken",
    ["[tool.tox]\nenv_list = 3\n", "[tool.tox\n", '[tool.tox]\nlegacy_tox_ini = "[testenv\\n"\n', ""],
)
def test_a_tox_table_that_is_malformed_or_absent_gives_no_runner(
    write_project: Callable[[dict[str, str]], Path], broken: str
) -> None:
    root = write_project({"pyproject.toml": _project("odd", "") + "\n" + broken})
    assert read_tox_config(root) is None
    assert [r.kind for r in read_runners(root)] == []


def test_init_lists_an_end_of_life_python_the_projects_tox_still_tests(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    root = write_project(
        {
            "pyproject.toml": _project("signer", NATIVE_TOX),
            "src/signer/__init__.py": "",
            "tests/test_it.py": "def test_it():\n    pass\n",
        }
    )
    code, out, _ = init(root)
    assert code == 0, out
    table = shipyard_table(root)
    assert table["python"] == ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
    assert "pyproject.toml [tool.tox] tests 3.10, past end of life" in out


def test_init_needs_no_python_key_when_the_runner_tests_only_current_versions(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    noxfile = (
        "import nox\n\n\n@nox.session(python=['3.11', '3.12'])\ndef tests(session):\n"
        "    session.install('.')\n    session.run('pytest')\n"
    )
    root = write_project(
        {
            "pyproject.toml": _project("fresh", "[dependency-groups]\ndev = ['pytest']\n"),
            "src/fresh/__init__.py": "",
            "noxfile.py": noxfile,
        }
    )
    (nox,) = [r for r in read_runners(root) if r.kind == "nox"]
    assert nox.pythons == ("3.11", "3.12")
    code, out, _ = init(root)
    assert code == 0, out
    assert "python" not in shipyard_table(root)


def test_a_nox_session_on_an_end_of_life_python_is_listed_too(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    noxfile = (
        "import nox\n\n\n@nox.session(python=('3.10', '3.13'))\ndef tests(session):\n"
        "    session.install('.')\n    session.run('pytest')\n"
    )
    root = write_project(
        {
            "pyproject.toml": _project("older", "[dependency-groups]\ndev = ['pytest']\n"),
            "src/older/__init__.py": "",
            "noxfile.py": noxfile,
        }
    )
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root)["python"][0] == "3.10"


def test_a_frozen_pre_commit_rev_pins_the_tag_of_its_comment_and_a_bare_sha_pins_nothing(
    tmp_path: Path,
) -> None:
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(
        "repos:\n"
        "  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
        "    rev: 76e47323a83cd9795e4ff9a1de1c0d2eef610f17  # frozen: v0.11.11\n"
        "    hooks:\n      - id: ruff\n"
        "  - repo: https://github.com/pre-commit/mirrors-mypy\n"
        "    rev: 648bdbfd6bb1a82f132ecc2c666e0d1b2e4b0d94\n"
        "    hooks:\n      - id: mypy\n",
        encoding="utf-8",
    )
    hooks = read_pre_commit(config)
    assert hooks is not None
    assert hooks.pins == {"ruff": "0.11.11"}


DRF_TOX = """[tox]
envlist =
       {py310}-{django52}
       {py312}-{django52,django60}
       base
       docs

[testenv]
commands = pytest --cov --cov-report xml {posargs}
dependency_groups =
       test
       optional
       django52: django52
       django60: django60

[testenv:base]
dependency_groups =
       test

[testenv:docs]
skip_install = true
commands = mkdocs build
dependency_groups =
       docs
"""
"""encode/django-rest-framework's tox.ini, trimmed (the factor lines and the docs env kept)."""


def test_the_groups_a_tox_installs_for_its_tests_become_test_groups(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    groups = (
        "[dependency-groups]\n"
        'test = ["pytest", "pytest-django"]\n'
        'optional = ["django-filter"]\n'
        'docs = ["mkdocs"]\n'
        'django52 = ["django>=5.2,<6.0"]\n'
        'django60 = ["django>=6.0,<6.1"]\n'
    )
    root = write_project(
        {
            "pyproject.toml": _project("djangorestframework", groups, requires=">=3.11"),
            "rest_framework/__init__.py": "",
            "tests/test_it.py": "def test_it():\n    pass\n",
            "tox.ini": DRF_TOX,
        }
    )
    tox = read_tox_config(root)
    assert tox is not None
    assert tox.groups == ("test", "optional")  # not docs (no pytest), not a factor's group
    assert tox.pythons == ("3.10", "3.12")

    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root)["test"]["groups"] == ["test", "optional"]
    assert "tox.ini installs the groups test, optional for its tests" in out
