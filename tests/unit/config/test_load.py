from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.config.models import ShipyardConfig
from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable

EXAMPLES = Path(__file__).parents[3] / "examples"
PLAIN = '[project]\nname = "Plain.Project"\nversion = "2.0.1"\n'
DIGEST = "sha256:" + "a" * 64
CURRENT = ("3.11", "3.12", "3.13", "3.14", "3.15")
"""The CPython set supported upstream in December 2026 (3.10 reached end of life in October)."""


def test_a_plain_project_without_a_table_gets_the_defaults(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": PLAIN})
    project = load_project(root)
    assert project.config == ShipyardConfig()
    assert project.config_file == root / "pyproject.toml"
    assert project.pythons == CURRENT
    assert (project.name, project.version) == ("Plain.Project", "2.0.1")
    assert project.image_name == "plain.project"
    assert project.config.tools == DEFAULT_TOOL_IMAGES
    assert (project.has_dockerfile, project.has_compose, project.has_uv_lock) == (False, False, False)


def test_a_project_table_without_name_or_version_falls_back(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": '[project]\ndynamic = ["version"]\n'})
    project = load_project(root)
    assert (project.name, project.version) == ("proj", "0.0.0")


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        (">=3.12", ("3.12", "3.13", "3.14", "3.15")),
        (">=3.10", CURRENT),
        (">=3.10,<3.12", ("3.11",)),
        ("~=3.11", CURRENT),
        ("==3.13.*", ("3.13",)),
        (">=3.14", ("3.14", "3.15")),
        (">=3.14.2", ("3.14", "3.15")),
        ("<3.15", ("3.11", "3.12", "3.13", "3.14")),
    ],
)
def test_requires_python_narrows_the_matrix(
    write_project: Callable[[dict[str, str]], Path], requires: str, expected: tuple[str, ...]
) -> None:
    root = write_project({"pyproject.toml": f'{PLAIN}requires-python = "{requires}"\n'})
    assert load_project(root).pythons == expected


def test_configured_pythons_win_over_requires_python_and_are_sorted(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    text = f'{PLAIN}requires-python = ">=3.10"\n[tool.shipyard]\npython = ["3.13", "3.11", "3.13"]\n'
    assert load_project(write_project({"pyproject.toml": text})).pythons == ("3.11", "3.13")


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        ("<3", "allows none of 3.10, 3.11, 3.12, 3.13, 3.14, 3.15"),
        (">=3.16", "allows none of"),
        ("==3.10.*", "admits only 3.10 (end of life)"),
        ("three-ten", "is not a version specifier"),
    ],
)
def test_requires_python_that_allows_no_supported_version_is_an_error(
    write_project: Callable[[dict[str, str]], Path], requires: str, expected: str
) -> None:
    root = write_project({"pyproject.toml": f'{PLAIN}requires-python = "{requires}"\n'})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert expected in caught.value.message
    assert str(root / "pyproject.toml") in caught.value.message


def test_an_end_of_life_python_is_tested_where_the_project_asks_for_it(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    """The error's own fix works: 3.10 is still known, only no longer part of a derived matrix."""
    root = write_project({"pyproject.toml": f'{PLAIN}requires-python = "==3.10.*"\n'})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert caught.value.fix == 'to test on it anyway, set [tool.shipyard] python = ["3.10"]'
    fixed = f'{PLAIN}requires-python = "==3.10.*"\n[tool.shipyard]\npython = ["3.10"]\n'
    assert load_project(write_project({"pyproject.toml": fixed})).pythons == ("3.10",)


@pytest.mark.parametrize(
    ("requires", "python", "excluded"),
    [
        (">=3.14", '["3.13", "3.14"]', "3.13"),
        (">=3.11,<3.13", '["3.10", "3.12", "3.15"]', "3.10, 3.15"),
        ("==3.12.*", '["3.11"]', "3.11"),
    ],
)
def test_a_configured_python_that_requires_python_excludes_is_an_error(
    write_project: Callable[[dict[str, str]], Path], requires: str, python: str, excluded: str
) -> None:
    text = f'{PLAIN}requires-python = "{requires}"\n[tool.shipyard]\npython = {python}\n'
    root = write_project({"pyproject.toml": text})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    line = caught.value.one_line()
    assert line.startswith(f"{root / 'pyproject.toml'}: tool.shipyard.python lists {excluded}, ")
    assert f"requires-python {requires!r}" in line
    assert "\n" not in line
    assert caught.value.fix == f"drop {excluded} from tool.shipyard.python or widen requires-python"


def test_the_python_list_in_a_shipyard_toml_is_checked_too(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {"pyproject.toml": f'{PLAIN}requires-python = ">=3.14"\n', "shipyard.toml": 'python = ["3.12"]\n'}
    )
    expected = r"shipyard\.toml: python lists 3\.12, which requires-python '>=3\.14'"
    with pytest.raises(ConfigError, match=expected):
        load_project(root)


def test_a_modern_project_gets_the_new_pythons(write_project: Callable[[dict[str, str]], Path]) -> None:
    text = f'{PLAIN}requires-python = ">=3.14"\n[tool.shipyard]\npython = ["3.15", "3.14"]\n'
    assert load_project(write_project({"pyproject.toml": text})).pythons == ("3.14", "3.15")


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[tool.shipyard]\npyhton = ["3.12"]\n', "unknown key 'tool.shipyard.pyhton'"),
        ('[tool.shipyard.scan]\nseverty = "HIGH"\n', "unknown key 'tool.shipyard.scan.severty'"),
        ('[tool.shipyard.image]\nplatforms = ["linux/s390x"]\n', "tool.shipyard.image.platforms.0: "),
        ('[tool.shipyard.scan]\nseverity = "SEVERE"\n', "tool.shipyard.scan.severity: "),
        ("[tool.shipyard.test]\ncoverage_floor = 150\n", "tool.shipyard.test.coverage_floor: "),
        ("[tool.shipyard.test]\ncoverage_floor = -1\n", "tool.shipyard.test.coverage_floor: "),
        ('[tool.shipyard]\npython = ["2.7"]\n', "tool.shipyard.python: "),
        ('[tool.shipyard]\ntier = "everything"\n', "tool.shipyard.tier: "),
        ('[tool.shipyard]\npython_image = "python:3.12"\n', "python_image must contain '{version}'"),
        (
            f'[tool.shipyard.tools.black]\nrepository = "b"\ntag = "1"\ndigest = "{DIGEST}"\nbinary = "/b"\n',
            "unknown tool 'black'",
        ),
        (
            '[tool.shipyard.tools.uv]\nrepository = "u"\ntag = "1"\ndigest = "sha256:abc"\nbinary = "/uv"\n',
            "tool.shipyard.tools.uv.digest: ",
        ),
        (
            '[[tool.shipyard.scan.allowlist]]\nid = "CVE-2024-1"\nexpires = 2027-01-01\n',
            "tool.shipyard.scan.allowlist.0.reason: Field required",
        ),
        (
            '[[tool.shipyard.scan.allowlist]]\nid = "CVE-2024-1"\nreason = "vendor says unreachable"\n',
            "tool.shipyard.scan.allowlist.0.expires: Field required",
        ),
        (
            '[[tool.shipyard.compose.probes]]\nkind = "http"\nservice = "app"\nport = 99999\n',
            "tool.shipyard.compose.probes.0.http.port: ",
        ),
        ("[tool]\nshipyard = 3\n", "[tool.shipyard] must be a table"),
        ('[tool.shipyard.bench]\nthreshold = "10"\n', "'10' is not a percentage; write it like '10%'"),
        ('[tool.shipyard.bench]\npython = "3.9"\n', "tool.shipyard.bench.python: "),
        ("[tool.shipyard.bench]\nmin_rounds = 1\n", "tool.shipyard.bench.min_rounds: "),
        ("[tool.shipyard.bench]\nrounds = 5\n", "unknown key 'tool.shipyard.bench.rounds'"),
        (
            '[tool.shipyard.budgets]\ntests = "120s"\n',
            "budget for unknown stage group 'tests'; groups: lint,",
        ),
        (
            '[tool.shipyard.budgets]\ntest = "2 minutes"\n',
            "'2 minutes' is not a duration; write it like '120s'",
        ),
    ],
)
def test_invalid_tables_name_the_file_and_the_dotted_key(
    write_project: Callable[[dict[str, str]], Path], table: str, expected: str
) -> None:
    root = write_project({"pyproject.toml": PLAIN + table})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    message = caught.value.one_line()
    assert message.startswith(f"{root / 'pyproject.toml'}: ")
    assert expected in message
    assert caught.value.exit_code == 2


def test_the_value_error_says_what_is_allowed(write_project: Callable[[dict[str, str]], Path]) -> None:
    root = write_project({"pyproject.toml": PLAIN + '[tool.shipyard.scan]\nseverity = "SEVERE"\n'})
    with pytest.raises(ConfigError, match="'HIGH' or 'CRITICAL'"):
        load_project(root)


def test_several_problems_are_counted(write_project: Callable[[dict[str, str]], Path]) -> None:
    root = write_project({"pyproject.toml": PLAIN + '[tool.shipyard]\npyhton = []\nteir = "full"\n'})
    with pytest.raises(ConfigError, match=r"unknown key 'tool.shipyard.pyhton' \(and 1 more\)"):
        load_project(root)


def test_shipyard_toml_is_an_alternative_to_the_pyproject_table(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": PLAIN,
            "shipyard.toml": 'tier = "full"\npython = ["3.12"]\n[scan]\nseverity = "CRITICAL"\n',
        }
    )
    project = load_project(root)
    assert project.config_file == root / "shipyard.toml"
    assert (project.config.tier, project.pythons, project.config.scan.severity) == (
        "full",
        ("3.12",),
        "CRITICAL",
    )


def test_a_typo_in_shipyard_toml_names_that_file_and_its_own_key(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": PLAIN, "shipyard.toml": '[scan]\nseverty = "HIGH"\n'})
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert caught.value.message == f"{root / 'shipyard.toml'}: unknown key 'scan.severty'"


def test_both_the_pyproject_table_and_shipyard_toml_is_an_error(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": PLAIN + '[tool.shipyard]\ntier = "full"\n',
            "shipyard.toml": 'tier = "essential"\n',
        }
    )
    with pytest.raises(ConfigError, match=r"both .*pyproject\.toml \[tool\.shipyard\] and .*shipyard\.toml"):
        load_project(root)


@pytest.mark.parametrize("broken", ["pyproject.toml", "shipyard.toml"])
def test_malformed_toml_names_the_file(write_project: Callable[[dict[str, str]], Path], broken: str) -> None:
    files = {"pyproject.toml": PLAIN, "shipyard.toml": 'tier = "full"\n'}
    files[broken] = "[tool.shipyard\n"
    root = write_project(files)
    with pytest.raises(ConfigError) as caught:
        load_project(root)
    assert caught.value.message.startswith(f"{root / broken}: not valid TOML")


def test_missing_pyproject_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"no pyproject.toml in {tmp_path}"):
        load_project(tmp_path)


def test_a_repository_whose_project_is_in_a_subdirectory_is_told_where_it_is(tmp_path: Path) -> None:
    # akhsiM/tdd-fastapi-docker: docker-compose.yml at the root, the app and a Poetry pyproject.toml
    # (no [project] table, so no directory of packages either) in project/
    (tmp_path / "project" / "app").mkdir(parents=True)
    (tmp_path / "project" / "pyproject.toml").write_text('[tool.poetry]\nname = "project"\nversion = "1"\n')
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "pyproject.toml").write_text("")
    (tmp_path / ".venv" / "lib").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "pyproject.toml").write_text("")

    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)

    assert caught.value.message == f"no pyproject.toml in {tmp_path}"
    assert caught.value.fix == f"pass --source {tmp_path / 'project'} (it holds the project's pyproject.toml)"


def test_no_project_anywhere_below_keeps_the_general_fix(tmp_path: Path) -> None:
    (tmp_path / "docs" / "deep" / "deeper").mkdir(parents=True)
    (tmp_path / "docs" / "deep" / "deeper" / "pyproject.toml").write_text("")  # three levels: not looked at
    with pytest.raises(ConfigError) as caught:
        load_project(tmp_path)
    assert caught.value.fix == "run shipyard in a Python project's root or pass --source DIR"


def test_a_source_that_is_not_a_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        load_project(tmp_path / "nowhere")


def test_a_tool_entry_replaces_only_that_default(write_project: Callable[[dict[str, str]], Path]) -> None:
    table = f'[tool.shipyard.tools.ruff]\nrepository = "r.example/ruff"\ntag = "9.9.9"\ndigest = "{DIGEST}"\n'
    table += 'binary = "/ruff"\n'
    project = load_project(write_project({"pyproject.toml": PLAIN + table}))
    assert project.config.tools["ruff"].pinned == f"r.example/ruff:9.9.9@{DIGEST}"
    assert project.config.tools["uv"] == DEFAULT_TOOL_IMAGES["uv"]


@pytest.mark.parametrize(
    ("name", "pythons", "tier", "dockerfile", "compose"),
    [
        ("webapp", ("3.10", "3.11", "3.12", "3.13"), "full", True, True),
        ("library", ("3.10", "3.11", "3.12", "3.13"), "extended", False, False),
        ("broken", ("3.11", "3.12"), "full", True, True),
        ("modern", ("3.14", "3.15"), "extended", False, False),
    ],
)
def test_every_example_loads(
    name: str, pythons: tuple[str, ...], tier: str, *, dockerfile: bool, compose: bool
) -> None:
    project = load_project(EXAMPLES / name)
    assert project.pythons == pythons
    assert project.config.tier == tier
    assert (project.has_dockerfile, project.has_compose) == (dockerfile, compose)
