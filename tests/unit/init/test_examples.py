"""init on every example, its table removed: the config loads and the plan has every hand-written stage."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.config.models import END_OF_LIFE_PYTHONS
from shipyard.gitinfo import NO_GIT
from shipyard.init.pyproject_edit import without_table
from shipyard.plan.graph import all_stages
from shipyard.session import plan_context
from shipyard.stages.spec import Command, ContainerStep

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.config.load import Project
    from shipyard.stages.spec import Stage

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "pyproject.toml").is_file())


def _stages(project: Project) -> dict[str, Stage]:
    return {
        i: s
        for i, s in all_stages(project, plan_context(project, NO_GIT)).items()
        if s.not_applicable is None
    }


def _unmarked(commands: tuple[Command, ...]) -> tuple[Command, ...]:
    """The commands without pytest's `-m EXPR` (the marked tests run once their services are started)."""
    unmarked: list[Command] = []
    for command in commands:
        argv = list(command.argv)
        at = next((i for i in range(1, len(argv)) if argv[i - 1 : i + 1] == ["pytest", "-m"]), None)
        if at is not None:  # `... -m pytest -m EXPR`
            del argv[at : at + 2]
        unmarked.append(dataclasses.replace(command, argv=tuple(argv)))
    return tuple(unmarked)


def test_every_example_is_covered() -> None:
    assert {"webapp", "library", "modern", "scm-version", "broken", "services"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_init_gives_every_example_the_stages_and_commands_of_its_hand_written_table(
    name: str, tmp_path: Path, init: Callable[..., tuple[int, str, str]]
) -> None:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns(".shipyard", ".venv", "__pycache__"))
    hand = load_project(root)
    for pyproject in root.rglob("pyproject.toml"):  # a workspace's members have tables too
        pyproject.write_text(without_table(pyproject.read_text(encoding="utf-8")), encoding="utf-8")
    (root / "shipyard.toml").unlink(missing_ok=True)

    code, out, err = init(root)
    assert code == 0, out + err
    generated = load_project(root)

    theirs, ours = _stages(hand), _stages(generated)
    past_end_of_life = {f"{leg}-{v}" for v in END_OF_LIFE_PYTHONS for leg in ("test", "package-smoke")}
    assert set(theirs) - past_end_of_life <= set(ours), out
    for stage_id in set(theirs) & set(ours):
        mine, hers = ours[stage_id].action, theirs[stage_id].action
        if (
            isinstance(mine, ContainerStep)
            and isinstance(hers, ContainerStep)
            and stage_id.startswith("test-")
        ):
            expected = hers.commands
            if generated.config.test.services and not hand.config.test.services:
                expected = _unmarked(expected)  # services started instead of the service tests left out
            assert mine.commands == expected  # installer, requirements, extras, markers, coverage source
            assert mine.services == hers.services or not hand.config.test.services
    if "compose" in theirs:
        assert ours["compose"].needs == theirs["compose"].needs  # the image just built replaces the service
    assert generated.has_dockerfile == hand.has_dockerfile
    assert generated.has_compose == hand.has_compose


def test_init_gives_the_services_example_its_database_and_the_url_its_tests_read(
    tmp_path: Path, init: Callable[..., tuple[int, str, str]]
) -> None:
    root = tmp_path / "services"
    shutil.copytree(
        EXAMPLES / "services", root, ignore=shutil.ignore_patterns(".shipyard", ".venv", "__pycache__")
    )
    hand = load_project(root)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(without_table(pyproject.read_text(encoding="utf-8")), encoding="utf-8")

    code, out, err = init(root, "--no-workflow")
    assert code == 0, out + err
    generated = load_project(root).config.test

    assert generated.services == ("db",) == hand.config.test.services
    assert generated.env["DATABASE_URL"] == hand.config.test.env["DATABASE_URL"]
    assert generated.markers is None
