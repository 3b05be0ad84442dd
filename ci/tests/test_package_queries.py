"""The package function's queries, checked against the core's package stages (examples/webapp).

The package stage is a plain container step; each smoke leg mounts the package stage's output
folder (`files_from`) and nothing of the source. `package` runs the core's plan and returns dist/
only when the core's gates passed.
"""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest
from dagger import dag
from dagger_offline import Selection, chain, ctx_chain, find, patch_engine, sub
from test_queries import GIT, SOURCE, assert_container_matches_core, copy_webapp

import shipyard_ci.executor
from shipyard.errors import GateFailedError
from shipyard.executor import StepContext
from shipyard.stages.outcome import StageOutcome
from shipyard.stages.package import PACKAGE_ID, PACKAGE_TOOLS, SYFT
from shipyard.stages.package_smoke import PACKAGE_IN, smoke_stage_id
from shipyard.stages.package_verdict import DIST, TWINE_TXT, WHEEL_CONTENTS_TXT
from shipyard.stages.publish_package import INDEX_PASSWORD, publish_package_stage
from shipyard.stages.spec import OUTDIR, ContainerStep, IndexPublishStep, Stage
from shipyard_ci import Shipyard
from shipyard_ci.executor import DaggerExecutor
from shipyard_ci.session import Loaded, loaded
from shipyard_ci.translate import command_states, step_container

if TYPE_CHECKING:
    from dagger.client._core import Context

TOOLS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tools"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


@pytest.fixture
def project(tmp_path: Path) -> Loaded:
    copy_webapp(tmp_path / "src")
    return loaded(tmp_path / "src", GIT)


@pytest.fixture
def ship() -> Shipyard:
    return Shipyard.create(source=dag.directory().with_new_file("marker", "x"))


def test_the_package_container_is_the_core_package_stage(ship: Shipyard, project: Loaded) -> None:
    stage = project.stages()["package"]
    sels = chain(ship.stage_container(project, stage, {}))
    assert_container_matches_core(sels, stage, project)
    assert {str(e["name"]): e["value"] for e in find(sels, "withEnvVariable")}["SOURCE_DATE_EPOCH"] == str(
        int(GIT.committed.timestamp())  # type: ignore[union-attr] - GIT has a commit time
    )
    syft = project.project.config.tools["syft"]
    (binary,) = [f for f in find(sels, "withFile") if f["path"] == SYFT]
    assert find(sub(binary["source"]), "from") == [{"address": syft.pinned}]
    execs = [cast("list[str]", e["args"]) for e in find(sels, "withExec")]
    assert execs[1][-len(PACKAGE_TOOLS) :] == list(PACKAGE_TOOLS)


@pytest.mark.parametrize("version", PYTHONS)
def test_a_smoke_leg_mounts_the_package_output_and_no_source(project: Loaded, version: str) -> None:
    stage = project.stages()[smoke_stage_id(version)]
    assert isinstance(stage.action, ContainerStep)
    output = dag.directory().with_new_file("dist/w.whl", "x")
    base = step_container(stage.action, None, images={}, secrets={}, outputs={"package": output})
    sels = chain(command_states(base, stage.action)[-1])
    assert find(sels, "from") == [{"address": f"python:{version}-slim"}]
    mounted = [d for d in find(sels, "withDirectory") if d["path"] == PACKAGE_IN]
    assert [sub(d["source"]) for d in mounted] == [chain(output)]
    assert [d["path"] for d in find(sels, "withDirectory")] == [OUTDIR, PACKAGE_IN]  # no /src
    assert [e["args"] for e in find(sels, "withExec")] == [list(c.argv) for c in stage.action.commands]


class PackageEngine:
    """Exports the webapp as the source; every stage's output gets the recorded package reports."""

    def __init__(self, *, dist: bool) -> None:
        self.dist = dist
        self.queries: list[list[Selection]] = []

    async def execute(self, ctx: Context, return_type: object = None) -> object:
        del return_type
        sels = ctx_chain(ctx)
        self.queries.append(sels)
        leaf, args = sels[-1]
        if leaf == "export":
            dest = Path(str(args["path"]))
            if sels[0] == SOURCE[0] and sels[1] == SOURCE[1] and len(sels) == 3:
                copy_webapp(dest)
            elif self.dist and sels[-2] == ("directory", {"path": DIST}):  # dist/ alone (publish-package)
                shutil.copytree(TOOLS / "package" / "library", dest)
            elif self.dist:
                shutil.copytree(TOOLS / "package" / "library", dest / DIST, dirs_exist_ok=True)
                shutil.copyfile(TOOLS / "twine" / "check-passed.txt", dest / TWINE_TXT)
                shutil.copyfile(TOOLS / "check-wheel-contents" / "ok.txt", dest / WHEEL_CONTENTS_TXT)
                shutil.copyfile(TOOLS / "package" / "smoke" / "passed.json", dest / "smoke.json")
            return str(dest)
        if leaf == "exitCode":
            return 0
        if leaf in {"combinedOutput", "stdout"}:
            return ""
        return None


@pytest.mark.anyio
async def test_package_returns_dist_of_the_package_stage_when_the_gates_passed(
    monkeypatch: pytest.MonkeyPatch, ship: Shipyard
) -> None:
    engine = PackageEngine(dist=True)
    patch_engine(monkeypatch, engine)
    dist = await ship.package(python="3.12")
    sels = chain(dist)
    assert sels[-2:] == [("directory", {"path": OUTDIR}), ("directory", {"path": DIST})]
    assert find(sels, "from")[0]["address"] == "python:3.13-slim"  # the package stage's container
    images = {q[1][1]["address"] for q in engine.queries if len(q) > 1 and q[1][0] == "from"}
    assert "python:3.12-slim" in images  # the one smoke leg asked for
    assert "python:3.11-slim" not in images


@pytest.mark.anyio
async def test_package_raises_the_core_verdict_when_no_distribution_was_built(
    monkeypatch: pytest.MonkeyPatch, ship: Shipyard
) -> None:
    patch_engine(monkeypatch, PackageEngine(dist=False))
    with pytest.raises(GateFailedError) as info:
        _ = await ship.package()
    lines = str(info.value).splitlines()
    assert lines[0] == "package: error: the build wrote no wheel and sdist in dist/"
    assert [line.split(":")[0] for line in lines[1:]] == [smoke_stage_id(v) for v in PYTHONS]
    assert all(": skipped: " in line for line in lines[1:])


# publish-package: dist/ exported from the engine, uploaded by the core ---------------------------


@pytest.mark.anyio
async def test_publish_package_exports_dist_from_the_engine_and_hands_it_to_the_core(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = PackageEngine(dist=True)
    patch_engine(monkeypatch, engine)
    copy_webapp(tmp_path / "src")
    project = loaded(tmp_path / "src", GIT)
    config = project.project.config.model_copy(
        update={"publish": project.project.config.publish.model_copy(update={"index": "pypi"})}
    )
    stage = publish_package_stage(dataclasses.replace(project.project, config=config), (PACKAGE_ID,))
    handed: list[tuple[Path, list[str]]] = []

    def core(stage: Stage, step: IndexPublishStep, context: StepContext, dist: Path) -> StageOutcome:
        del step
        handed.append((dist, sorted(p.name for p in dist.iterdir())))
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir)

    monkeypatch.setattr(shipyard_ci.executor, "run_index_publish", core)
    package_out = dag.directory().with_new_file("dist/marker", "x")
    executor = DaggerExecutor(dag.directory(), tmp_path, {INDEX_PASSWORD: dag.set_secret("pw", "PW-VALUE")})
    executor.outputs[PACKAGE_ID] = package_out
    out = tmp_path / "out"
    out.mkdir()
    context = StepContext(root=tmp_path, files=(), out_dir=out, secrets={INDEX_PASSWORD: "PW-VALUE"})
    _ = await executor.run(stage, context)
    ((dist, names),) = handed
    assert names == sorted(p.name for p in (TOOLS / "package" / "library").iterdir())
    assert not dist.exists(), "the exported dist/ is removed after the upload"
    (export,) = [q for q in engine.queries if q[-1][0] == "export"]
    assert export[:-2] == chain(package_out)
    assert export[-2:] == [("directory", {"path": DIST}), ("export", {"path": str(dist)})]
    assert not any("PW-VALUE" in repr(q) for q in engine.queries)
