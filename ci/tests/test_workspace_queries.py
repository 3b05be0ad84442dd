"""A uv workspace member's test leg on Dagger: the workspace at /src, the member's folder as workdir.

Expected values come from the core's stages for examples/workspace (never written out), as in
test_queries.py for the webapp.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dagger import dag
from dagger_offline import chain, find
from test_queries import GIT, assert_container_matches_core

from shipyard_ci import Shipyard
from shipyard_ci.session import Loaded, loaded

WORKSPACE = Path(__file__).resolve().parents[2] / "examples" / "workspace"


@pytest.fixture
def project(tmp_path: Path) -> Loaded:
    shutil.copytree(WORKSPACE, tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", ".shipyard"))
    return loaded(tmp_path / "src", GIT)


def test_a_members_leg_places_the_workspace_and_works_in_the_member(project: Loaded) -> None:
    ship = Shipyard.create(source=dag.directory().with_new_file("marker", "x"))
    stage = project.stages()["test-ledger-api-3.15"]
    sels = chain(ship.stage_container(project, stage, {}))
    assert_container_matches_core(sels, stage, project)
    assert find(sels, "withWorkdir")[-1] == {"path": "/src/packages/ledger-api"}
    placed = [args for args in find(sels, "withDirectory") if args["path"] == "/src"]
    assert len(placed) == 2  # the setup's files, then the selected files: both at the workspace root
    sync = next(args["args"] for args in find(sels, "withExec") if "sync" in args["args"])
    assert sync[1:5] == ["sync", "--locked", "--package", "ledger-api"]


def test_the_package_argument_selects_one_members_stages(project: Loaded) -> None:
    ship = Shipyard.create(source=dag.directory(), package="ledger-core")
    plan = ship.plan_for(project, ("test",), tier=None, pythons=())
    assert plan.ids == ("test-ledger-core-3.14", "test-ledger-core-3.15")
    every = Shipyard.create(source=dag.directory()).plan_for(project, ("test",), tier=None, pythons=("3.15",))
    assert every.ids == ("test-ledger-api-3.15", "test-ledger-core-3.15")
