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
from shipyard_ci.session import git_facts, loaded

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


def test_the_version_from_git_is_set_after_the_setup_execs_so_a_commit_keeps_their_cache(
    tmp_path: Path,
) -> None:
    """The engine keys an exec by the chain that made it (dagql/cache.go): a variable set before the
    setup would make each new version a new install. The core says which ones the setup does not
    read (Environment.later_env); the module sets them after the setup's execs."""
    shutil.copytree(
        EXAMPLES / "scm-version", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", ".shipyard")
    )
    tagged = git_facts(GIT.sha or "", "refs/tags/v1.2.3", "2026-11-01T12:00:00+00:00")  # a tag: a version
    project = loaded(tmp_path / "src", tagged)
    ship = Shipyard.create(source=dag.directory().with_new_file("marker", "x"))
    stage = project.stages()["test-3.12"]
    step = stage.action
    assert isinstance(step, ContainerStep)
    assert step.environment is not None
    assert step.environment.later_env, "scm-version builds with a version from git"
    sels = chain(ship.stage_container(project, stage, {}))
    execs = [i for i, (name, _) in enumerate(sels) if name == "withExec"]
    last_setup = execs[len(step.setup_commands) - 1]
    for name in step.environment.later_env:
        where = [i for i, (sel, args) in enumerate(sels) if sel == "withEnvVariable" and args["name"] == name]
        assert where, name
        assert min(where) > last_setup, (name, where, last_setup)
