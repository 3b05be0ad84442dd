"""`shipyard init` on real-world-shaped projects: the table it writes, and that the file keeps its form."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import tomlkit

from shipyard.init.facts import inspect_project
from shipyard.init.table import DEFAULTS_FIT
from shipyard.session import Selection, open_session

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    Init = tuple[int, str, str]
    Table = Callable[[Path], dict[str, Any]]

UV_LOCK = 'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n'


def _pyproject(name: str, body: str = "", *, requires: str = ">=3.11") -> str:
    return (
        "# the project's own header comment\n"
        "[project]\n"
        f'name = "{name}"  # keep this comment\n'
        'version = "1.0.0"\n'
        f'requires-python = "{requires}"\n'
        f"{body}\n"
        "[tool.ruff]\n"
        "line-length = 100   # odd spacing kept\n"
    )


def _assert_round_trip(before: str, root: Path) -> None:
    """Everything the file held is still there, byte for byte, in its order; the table follows it."""
    after = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip() + "\n\n[tool.shipyard]\n")
    assert list(tomlkit.parse(after)["project"]) == list(tomlkit.parse(before)["project"])  # pyright: ignore[reportArgumentType]


def _reasons(root: Path) -> list[str]:
    """The comment lines of the [tool.shipyard] part of pyproject.toml."""
    text = (root / "pyproject.toml").read_text(encoding="utf-8").split("[tool.shipyard]", 1)[1]
    return re.findall(r"^# (.*)$", text, re.MULTILINE)


def test_a_tox_project_gets_its_requirements_constraints_and_marker_expression(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    before = _pyproject("toxproj", '[project.optional-dependencies]\ntest = ["pytest", "hypothesis"]\n')
    root = write_project(
        {
            "pyproject.toml": before,
            "toxproj/__init__.py": "",
            "tests/test_it.py": "def test_it():\n    pass\n",
            "requirements-test.txt": "pytest==8.3.3\nhypothesis==6.100.0\n",
            "constraints.txt": "pluggy==1.5.0\n",
            "tox.ini": (
                "[tox]\nenvlist = py311, py312, lint\n\n"
                "[testenv]\ndeps =\n    -r{toxinidir}/requirements-test.txt\n    -c constraints.txt\n"
                'commands = pytest -m "not slow" {posargs}\n\n'
                "[testenv:lint]\ndeps = ruff==0.5.7\ncommands = ruff check .\n"
            ),
        }
    )
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {
        "test": {
            "requirements": ["requirements-test.txt"],
            "constraints": "constraints.txt",
            "markers": "not slow",
        }
    }
    _assert_round_trip(before, root)
    assert "tox.ini runs pytest -m 'not slow'" in _reasons(root)
    assert "note: tox.ini pins ruff 0.5.7" in out


def test_a_nox_project_gets_its_extras_markers_and_coverage_source(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    before = _pyproject("nox-proj", '[project.optional-dependencies]\ntest = ["pytest", "respx"]\n')
    root = write_project(
        {
            "pyproject.toml": before,
            "src/noxproj/__init__.py": "",
            "tests/test_it.py": "def test_it():\n    pass\n",
            "noxfile.py": (
                "import nox\n\n\n@nox.session(python=['3.12', '3.13'])\ndef tests(session):\n"
                "    session.install('-e', '.[test]')\n"
                "    session.run('pytest', '-m', 'not network', *session.posargs)\n"
            ),
        }
    )
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {
        "test": {"extras": ["test"], "markers": "not network", "coverage_source": ["src/noxproj"]}
    }
    _assert_round_trip(before, root)
    assert "the import package is not named after the project ('nox-proj')" in _reasons(root)


def test_a_pre_commit_ruff_pin_is_what_lint_runs_and_needs_no_key(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    before = _pyproject("hooked")
    root = write_project(
        {
            "pyproject.toml": before,
            "src/hooked/__init__.py": "",
            "requirements-dev.txt": "-e .\npytest==8.3.3\n",
            ".pre-commit-config.yaml": (
                "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.9\n"
                "    hooks:\n      - id: ruff\n      - id: ruff-format\n"
            ),
        }
    )
    code, out, _ = init(root)
    assert code == 0, out
    assert inspect_project(root).ruff == "0.6.9 (.pre-commit-config.yaml)"
    assert shipyard_table(root) == {"test": {"requirements": ["requirements-dev.txt"]}}
    _assert_round_trip(before, root)
    lint = open_session(root, Selection(names=("lint",))).plan.get("lint")
    assert "ruff==0.6.9" in repr(lint.action)


def test_two_dockerfiles_and_a_compose_file_elsewhere_name_the_image_stack_and_service(
    write_project: Callable[[dict[str, str]], Path],
    init: Callable[..., Init],
    git: Callable[..., str],
    shipyard_table: Table,
) -> None:
    before = _pyproject(
        "api-service",
        '[dependency-groups]\ndev = ["pytest>=8"]\n\n[tool.pytest.ini_options]\n'
        'markers = ["integration: needs the PostgreSQL of compose/docker-compose.yml"]\n',
    )
    root = write_project(
        {
            "pyproject.toml": before,
            "uv.lock": UV_LOCK,
            "src/api_service/__init__.py": "",
            "docker/Dockerfile": "FROM python:3.13-slim\nCOPY . /app\n",
            "docker/Dockerfile.dev": "FROM python:3.13\n",
            "compose/docker-compose.yml": (
                "services:\n  api:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile\n"
                "    ports: ['8000']\n  db:\n    image: postgres:16\n"
            ),
        }
    )
    git(root, "init", "--quiet")
    git(root, "remote", "add", "origin", "git@github.com:Acme/api-service.git")
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {
        "test": {"markers": "not integration"},
        "image": {"dockerfile": "docker/Dockerfile", "name": "ghcr.io/acme/api-service"},
        "compose": {"file": "compose/docker-compose.yml", "service": "api"},
    }
    _assert_round_trip(before, root)
    reasons = _reasons(root)
    assert (
        "no Dockerfile at the root: the image is docker/Dockerfile; docker/Dockerfile.dev not built"
        in reasons
    )
    assert (
        "tests marked integration need services (the compose stack's db) a test container does not have"
        in reasons
    )


def test_a_src_layout_project_whose_defaults_fit_gets_an_empty_table_saying_so(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    before = _pyproject("my-lib", '[dependency-groups]\ndev = ["pytest>=8"]\n')
    root = write_project({"pyproject.toml": before, "uv.lock": UV_LOCK, "src/my_lib/__init__.py": ""})
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {}
    assert DEFAULTS_FIT in _reasons(root)
    assert "no keys: the defaults fit this project" in out
    _assert_round_trip(before, root)


def test_a_uv_workspaces_members_measure_their_own_packages_with_no_key(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    before = _pyproject(
        "acme", '[dependency-groups]\ndev = ["pytest>=8"]\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
    )
    root = write_project(
        {
            "pyproject.toml": before,
            "uv.lock": UV_LOCK,
            "packages/core/pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
            "packages/core/src/core/__init__.py": "",
            "packages/web/pyproject.toml": '[project]\nname = "web"\nversion = "0.1.0"\n',
            "packages/web/src/web/__init__.py": "",
        }
    )
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {}  # each member has its own tests, measuring src/<its package>
    assert "[tool.shipyard]" not in (root / "packages" / "core" / "pyproject.toml").read_text()
    assert "note: a uv workspace (packages/core, packages/web): each member gets its own" in out
    ids = open_session(root, Selection()).plan.ids
    assert {"lint-core", "lint-web", "test-core-3.13", "test-web-3.13"} <= set(ids)
    _assert_round_trip(before, root)


def test_a_setuptools_scm_project_needs_no_key_and_init_prints_its_version_from_git(
    write_project: Callable[[dict[str, str]], Path],
    init: Callable[..., Init],
    git_init: Callable[[Path, str], str],
    git: Callable[..., str],
    shipyard_table: Table,
) -> None:
    before = (
        '[build-system]\nrequires = ["setuptools>=77", "setuptools-scm>=8"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "scmlib"\ndynamic = ["version"]\nrequires-python = ">=3.12"\n\n'
        "[tool.setuptools_scm]\n"
    )
    root = write_project({"pyproject.toml": before, "src/scmlib/__init__.py": ""})
    git_init(root, "main")
    git(root, "tag", "v1.4.0")
    _, dry, _ = init(root, "--dry-run")
    assert "version from git: 1.4.0 (setuptools-scm: git describe v1.4.0-0-g" in dry
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {}
    # init's own edits dirty the tree: a run now builds the next dev version, as setuptools-scm would
    assert re.search(r"version from git: 1\.4\.1\.dev0\+g[0-9a-f]+\.d\d{8} ", out), out
    assert inspect_project(root).vcs_backend == "setuptools-scm"


def test_requires_python_admitting_only_an_end_of_life_version_lists_it(
    write_project: Callable[[dict[str, str]], Path], init: Callable[..., Init], shipyard_table: Table
) -> None:
    root = write_project({"pyproject.toml": _pyproject("old", requires=">=3.10,<3.11")})
    code, out, _ = init(root)
    assert code == 0, out
    assert shipyard_table(root) == {"python": ["3.10"]}
    assert "test-3.10" in out
