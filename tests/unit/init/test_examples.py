"""init on every example, its table removed: the config loads and the plan has every hand-written stage."""

from __future__ import annotations

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
from shipyard.stages.spec import ContainerStep

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


def test_every_example_is_covered() -> None:
    assert {"webapp", "library", "modern", "scm-version", "broken"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_init_gives_every_example_the_stages_and_commands_of_its_hand_written_table(
    name: str, tmp_path: Path, init: Callable[..., tuple[int, str, str]]
) -> None:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / name, root, ignore=shutil.ignore_patterns(".shipyard", ".venv", "__pycache__"))
    hand = load_project(root)
    pyproject = root / "pyproject.toml"
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
            assert mine.commands == hers.commands  # installer, requirements, extras, markers, coverage source
    if "compose" in theirs:
        assert ours["compose"].needs == theirs["compose"].needs  # the image just built replaces the service
    assert generated.has_dockerfile == hand.has_dockerfile
    assert generated.has_compose == hand.has_compose
