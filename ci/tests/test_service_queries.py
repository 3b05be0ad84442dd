"""A test leg's services on Dagger, query by query: rendered by compose, started, bound by name.

A fake `Context.execute` answers the queries (no engine here): `docker compose config` prints a
recorded rendering, the image of a service with no port in the file exposes one. What is checked
is what the module asks the engine for, and the observation it writes for the core.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import dagger
import pytest
from dagger import dag
from dagger.client._core import Context
from dagger_offline import Selection, ctx_chain, find, sub

from shipyard.config.load import load_project
from shipyard.executor import StepContext
from shipyard.stages.compose_observation import read_observation
from shipyard.stages.services import SERVICES_JSON
from shipyard.stages.spec import ContainerStep, Stage, TestServices
from shipyard.stages.test import EvaluateTest
from shipyard.stages.test import test_stage as make_test_stage
from shipyard_ci.compose import CLI_IMAGE
from shipyard_ci.executor import DaggerExecutor

REPO = Path(__file__).resolve().parents[2]
CONFIG = (REPO / "tests" / "fixtures" / "tools" / "docker" / "config-services.json").read_text()
"""api → cache → db; cache exposes 6379 in the file, db (postgres) names no port."""


class ServiceEngine:
    """Answers by leaf: the config exec, the image's EXPOSE ports, start/stop, the leg's execs."""

    def __init__(self, config_exit: int = 0) -> None:
        self.config_exit = config_exit
        self.queries: list[list[Selection]] = []

    async def execute(self, ctx: Context, return_type: object = None) -> object:
        del return_type
        sels = ctx_chain(ctx)
        self.queries.append(sels)
        leaf = sels[-1][0]
        execs = find(sels, "withExec")
        rendering = bool(execs) and "config" in cast("list[str]", execs[-1]["args"])
        answers: dict[str, object] = {
            "exitCode": self.config_exit if rendering else 0,
            "stdout": CONFIG if rendering else "",
            "combinedOutput": "error while interpolating" if rendering else "",
            "id": [SimpleNamespace(id="5432/tcp")],
            "port": 5432,
            "protocol": dagger.NetworkProtocol.TCP,
            "start": "service-id",
            "stop": "service-id",
            "export": "",
        }
        return answers.get(leaf)

    def started(self) -> list[list[Selection]]:
        """The service chains `start` was asked of, in order."""
        return [q[:-1] for q in self.queries if q[-1][0] == "start"]


def leg(names: tuple[str, ...]) -> Stage:
    project = load_project(REPO / "examples" / "services")
    stage = make_test_stage(project, "3.12")
    assert isinstance(stage.action, ContainerStep)
    services = TestServices(file="compose.yaml", names=names, timeout=30)
    assert isinstance(stage.evaluate, EvaluateTest)
    evaluate = dataclasses.replace(stage.evaluate, services=services)
    return dataclasses.replace(
        stage, action=dataclasses.replace(stage.action, services=services), evaluate=evaluate
    )


async def run_leg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: ServiceEngine, stage: Stage):  # noqa: ANN201
    async def fake_execute(self: Context, return_type: object = None) -> object:
        return await engine.execute(self, return_type)

    monkeypatch.setattr(Context, "execute", fake_execute)
    out = tmp_path / "out"
    out.mkdir()
    context = StepContext(root=REPO / "examples" / "services", files=("compose.yaml",), out_dir=out)
    executor = DaggerExecutor(dag.directory(), context.root)
    return await executor.run(stage, context), out


@pytest.mark.anyio
async def test_the_closure_starts_dependencies_first_and_the_leg_is_bound_to_each_by_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = ServiceEngine()
    outcome, out = await run_leg(monkeypatch, tmp_path, engine, leg(("cache",)))
    rendered = next(q for q in engine.queries if q[-1][0] == "exitCode" and "config" in str(q))
    assert rendered[0] == ("container", {})
    assert rendered[1] == ("from", {"address": CLI_IMAGE})
    assert find(rendered, "withExec")[-1]["args"] == [
        "docker", "compose", "-p", "shipyard-test-3-12", "-f", "compose.yaml", "config", "--format", "json",
    ]  # fmt: skip
    db, cache = engine.started()
    assert db[1] == ("from", {"address": "postgres:15-bookworm"})
    assert find(db, "withEnvVariable") == [{"name": "POSTGRES_PASSWORD", "value": "from-dot-env"}]
    assert find(db, "withExposedPort") == [{"port": 5432}], "the image's EXPOSE port, for the health check"
    assert db[-1] == ("asService", {})
    assert find(cache, "withExposedPort") == [{"port": 6379}]
    assert cache[-1] == ("asService", {"args": ["sleep", "600"], "useEntrypoint": True})
    (bound_db,) = find(cache, "withServiceBinding")
    assert bound_db["alias"] == "db"
    assert sub(bound_db["service"]) == db, "cache reaches the very db service that was started"
    pytest_exec = next(
        q for q in engine.queries if q[-1][0] == "exitCode" and find(q, "withExec")[-1]["args"][0] != "docker"
    )
    assert [b["alias"] for b in find(pytest_exec, "withServiceBinding")] == ["db", "cache"]
    assert [q[-1][0] for q in engine.queries].count("stop") == 2
    seen = read_observation((out / SERVICES_JSON).read_text(), source="x")
    assert (seen.executor, seen.config.output) == ("dagger", ""), "the rendered file stays out of the report"
    assert [(s.name, s.state, s.health) for s in seen.services] == [
        ("db", "running", "healthy"),
        ("cache", "running", "healthy"),
    ]
    assert outcome.commands, "the leg ran"


@pytest.mark.anyio
async def test_a_name_the_file_lacks_starts_nothing_and_the_core_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = ServiceEngine()
    stage = leg(("postgres",))
    outcome, _ = await run_leg(monkeypatch, tmp_path, engine, stage)
    assert engine.started() == []
    assert outcome.commands == ()
    result = stage.evaluate(outcome)
    assert result.status.value == "error"
    assert result.summary.startswith("[tool.shipyard.test] services names 'postgres', not in compose.yaml")


@pytest.mark.anyio
async def test_a_file_compose_cannot_render_is_the_legs_error_with_composes_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = ServiceEngine(config_exit=15)
    stage = leg(("db",))
    outcome, _ = await run_leg(monkeypatch, tmp_path, engine, stage)
    assert engine.started() == []
    result = stage.evaluate(outcome)
    assert (result.status.value, result.summary.split(":")[0]) == ("error", "compose.yaml does not parse")
