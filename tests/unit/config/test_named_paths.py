"""Paths the table names must exist inside the project; only an absent default makes a stage n/a."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.config.models import COMPOSE_FILE_NAMES
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PLAIN = '[project]\nname = "svc"\nversion = "1.0.0"\n'
PRESENT = {
    "Dockerfile": "FROM scratch\n",
    "docker/Dockerfile": "FROM scratch\n",
    "compose.yaml": "services: {}\n",
    "requirements.txt": "pytest\n",
    "src/svc/__init__.py": "",
}


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            '[tool.shipyard.image]\ndockerfile = "docker/Dockerfile.prod"',
            "tool.shipyard.image.dockerfile = 'docker/Dockerfile.prod' does not exist",
        ),
        ('[tool.shipyard.image]\ncontext = "app"', "tool.shipyard.image.context = 'app' does not exist"),
        (
            '[tool.shipyard.compose]\nfile = "deploy/compose.yaml"',
            "tool.shipyard.compose.file = 'deploy/compose.yaml' does not exist",
        ),
        (
            '[tool.shipyard.test]\nrequirements = ["requirements.txt", "requirements-dev.txt"]',
            "tool.shipyard.test.requirements = 'requirements-dev.txt' does not exist",
        ),
        (
            '[tool.shipyard.test]\nconstraints = "constraints.txt"',
            "tool.shipyard.test.constraints = 'constraints.txt' does not exist",
        ),
        ('[tool.shipyard.lint]\npaths = ["src", "tset"]', "tool.shipyard.lint.paths = 'tset' does not exist"),
        # named explicitly, so it must exist, even with the default's value
        (
            '[tool.shipyard.compose]\nfile = "compose.yml"',
            "tool.shipyard.compose.file = 'compose.yml' does not exist",
        ),
        ('[tool.shipyard.image]\ndockerfile = "docker"', "image.dockerfile = 'docker' is not a file"),
        ('[tool.shipyard.image]\ncontext = "Dockerfile"', "image.context = 'Dockerfile' is not a directory"),
    ],
)
def test_a_named_path_that_is_missing_or_of_the_wrong_kind_is_a_config_error(
    write_project: Callable[[dict[str, str]], Path], table: str, expected: str
) -> None:
    root = write_project({**PRESENT, "pyproject.toml": f"{PLAIN}{table}\n"})
    with pytest.raises(ConfigError, match="fix: ") as caught:
        load_project(root)
    assert f"{root / 'pyproject.toml'}: " in str(caught.value)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[tool.shipyard.image]\ncontext = ".."', "image.context = '..'"),
        ('[tool.shipyard.image]\ndockerfile = "../Dockerfile"', "image.dockerfile = '../Dockerfile'"),
        ('[tool.shipyard.image]\ncontext = "outside"', "image.context = 'outside'"),  # a symlink out
        ('[tool.shipyard.compose]\nfile = "../compose.yaml"', "compose.file = '../compose.yaml'"),
        (
            '[tool.shipyard.test]\nrequirements = ["../requirements.txt"]',
            "requirements = '../requirements.txt'",
        ),
    ],
)
def test_a_path_outside_the_project_is_refused_because_no_digest_would_see_it(
    write_project: Callable[[dict[str, str]], Path], table: str, key: str
) -> None:
    root = write_project({**PRESENT, "pyproject.toml": f"{PLAIN}{table}\n"})
    for name in ("Dockerfile", "compose.yaml", "requirements.txt"):
        (root.parent / name).write_text("FROM scratch\n", encoding="utf-8")
    (root / "outside").symlink_to(root.parent, target_is_directory=True)
    with pytest.raises(ConfigError, match="is outside the project root") as caught:
        load_project(root)
    assert key in str(caught.value)


def test_an_absolute_path_is_refused(write_project: Callable[[dict[str, str]], Path]) -> None:
    root = write_project({"pyproject.toml": PLAIN})
    (root / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        f'{PLAIN}[tool.shipyard.image]\ndockerfile = "{root / "Dockerfile"}"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="is an absolute path"):
        load_project(root)


def test_named_paths_that_exist_inside_the_project_load(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    table = (
        '[tool.shipyard.image]\ndockerfile = "./docker/Dockerfile"\ncontext = "src/"\n'
        '[tool.shipyard.compose]\nfile = "compose.yaml"\n'
        '[tool.shipyard.test]\nrequirements = ["requirements.txt"]\nconstraints = "requirements.txt"\n'
        '[tool.shipyard.lint]\npaths = ["src", "Dockerfile"]\n'
    )
    project = load_project(write_project({**PRESENT, "pyproject.toml": PLAIN + table}))
    assert (project.has_dockerfile, project.has_compose) == (True, True)


def test_in_shipyard_toml_the_key_is_named_without_the_tool_prefix(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {"pyproject.toml": PLAIN, "shipyard.toml": '[image]\ndockerfile = "Dockerfile.prod"\n'}
    )
    with pytest.raises(
        ConfigError, match=r"shipyard\.toml: image\.dockerfile = 'Dockerfile\.prod' does not exist"
    ):
        load_project(root)


def test_an_absent_default_makes_the_image_and_compose_stages_not_applicable(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    project = load_project(write_project({"pyproject.toml": PLAIN}))
    assert (project.has_dockerfile, project.has_compose) == (False, False)
    assert project.config.compose.file == "compose.yaml"


@pytest.mark.parametrize("present", [COMPOSE_FILE_NAMES[i:] for i in range(len(COMPOSE_FILE_NAMES))])
def test_an_unset_compose_file_is_found_under_docker_composes_own_names_in_its_order(
    write_project: Callable[[dict[str, str]], Path], present: tuple[str, ...]
) -> None:
    root = write_project({"pyproject.toml": PLAIN, **dict.fromkeys(present, "services: {}\n")})
    project = load_project(root)
    assert project.config.compose.file == present[0]
    assert project.has_compose


def test_a_set_compose_file_wins_over_the_default_names(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": f'{PLAIN}[tool.shipyard.compose]\nfile = "docker-compose.yml"\n',
            "compose.yaml": "services: {}\n",
            "docker-compose.yml": "services: {}\n",
        }
    )
    assert load_project(root).config.compose.file == "docker-compose.yml"


def test_test_services_without_a_compose_file_are_a_config_error(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": f'{PLAIN}[tool.shipyard.test]\nservices = ["db"]\n'})
    with pytest.raises(ConfigError, match="fix: add one, or name it with") as caught:
        load_project(root)
    assert "tool.shipyard.test.services = ['db'] needs a compose file that defines them" in str(caught.value)
    (root / "docker-compose.yml").write_text("services:\n  db:\n    image: postgres:15-bookworm\n")
    project = load_project(root)
    assert project.config.compose.file == "docker-compose.yml"
