"""Project shapes through the module: each lint and test leg of examples/modern (requires-python
>= 3.14), examples/scm-version (a version from git) and examples/workspace (uv workspace members)
is the core's stage, query for query (test_queries.assert_container_matches_core).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagger import dag
from dagger_offline import chain, find
from test_queries import GIT, assert_container_matches_core

from shipyard.stages.spec import ContainerStep
from shipyard_ci import Shipyard
from shipyard_ci.session import loaded

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SHAPES = ("modern", "scm-version", "workspace")


@pytest.mark.parametrize("example", SHAPES)
def test_every_lint_and_test_leg_is_the_core_stage(example: str, tmp_path: Path) -> None:
    shutil.copytree(
        EXAMPLES / example, tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", ".shipyard")
    )
    project = loaded(tmp_path / "src", GIT)
    ship = Shipyard.create(source=dag.directory().with_new_file("marker", "x"))
    legs = [s for s in project.stages().values() if s.group in {"lint", "test"}]
    assert legs
    for stage in legs:
        sels = chain(ship.stage_container(project, stage, {}))
        assert_container_matches_core(sels, stage, project)
        assert isinstance(stage.action, ContainerStep)
        assert find(sels, "withWorkdir")[-1] == {"path": stage.action.workdir}


def test_the_modern_matrix_is_the_current_pythons(tmp_path: Path) -> None:
    shutil.copytree(
        EXAMPLES / "modern", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", ".shipyard")
    )
    ids = loaded(tmp_path / "src", GIT).plan(names=("test",)).ids
    assert ids == ("test-3.14", "test-3.15")
