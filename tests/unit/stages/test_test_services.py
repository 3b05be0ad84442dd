"""The services a test leg needs: the graph of a recorded compose config, and the core's verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.config.load import load_project
from shipyard.errors import ReportError
from shipyard.plan.sources import select
from shipyard.stages.compose_inspect import services_from_inspect, services_in_config
from shipyard.stages.compose_observation import CommandRun, ComposeObservation, ServiceState
from shipyard.stages.compose_services import ServiceRun, service_graph
from shipyard.stages.outcome import StageOutcome
from shipyard.stages.result import Status
from shipyard.stages.services import SERVICES_JSON, SERVICES_LOGS, services_problem, services_verdict
from shipyard.stages.spec import ContainerStep, TestServices
from shipyard.stages.test import EvaluateTest
from shipyard.stages.test import test_stage as make_test_stage

DOCKER = Path(__file__).resolve().parents[2] / "fixtures" / "tools" / "docker"
CONFIG = (DOCKER / "config-services.json").read_text()
DB = TestServices(file="compose.yaml", names=("db",), timeout=30)
UP_OK = CommandRun(argv=("docker", "compose", "up"), exit_code=0)


def seen(**changes: object) -> ComposeObservation:
    base = ComposeObservation(
        executor="docker",
        config=CommandRun(argv=("docker", "compose", "config"), exit_code=0),
        services_in_file=services_in_config(CONFIG, source="config"),
        up=UP_OK,
        services=(ServiceState(name="db", state="running", health="healthy"),),
        logs=SERVICES_LOGS,
    )
    return base.model_copy(update=changes)


def test_up_brings_what_a_service_depends_on_and_its_images() -> None:
    graph = service_graph(CONFIG, source="config")
    assert graph.closure(("api",)) == ("api", "cache", "db")
    assert graph.closure(("db",)) == ("db",)
    assert graph.images_of(("cache",)) == {"cache": "debian:bookworm-slim", "db": "postgres:15-bookworm"}
    assert "api" in graph.images_of(("api",)), "a service with build: still names its image"


def test_a_client_joins_the_networks_of_the_services_by_their_engine_names() -> None:
    graph = service_graph(CONFIG, source="config")
    assert graph.networks_of(("api",)) == ("shared-back", "shipyardcapture_front")
    assert graph.networks_of(("db",)) == ("shipyardcapture_default",)
    assert graph.networks_of(("api", "cache")) == ("shared-back", "shipyardcapture_front")


@pytest.mark.parametrize("data", ["", "[]", '{"name": "x"}', "{not json"])
def test_a_config_that_is_not_composes_output_is_a_report_error(data: str) -> None:
    with pytest.raises(ReportError, match="docker compose config"):
        service_graph(data, source="config")


def test_healthy_services_let_the_tests_run() -> None:
    assert services_problem(DB, seen()) is None
    assert services_problem(DB, seen(up=None, services=())) is None, "asked before `up`: go on"


def test_a_file_that_does_not_parse_names_composes_cause() -> None:
    output = (DOCKER / "config-missing-variable.txt").read_text()
    bad = seen(config=CommandRun(argv=("config",), exit_code=15, output=output), services_in_file=(), up=None)
    problem = services_problem(DB, bad)
    assert problem is not None
    assert problem.startswith("compose.yaml does not parse: ")
    assert "required variable DB_PASSWORD is missing a value" in problem


def test_a_name_the_file_lacks_is_the_config_keys_fault() -> None:
    wanted = TestServices(file="compose.yaml", names=("db", "postgres"), timeout=30)
    assert services_problem(wanted, seen(up=None)) == (
        "[tool.shipyard.test] services names 'postgres', not in compose.yaml "
        "(it has: api, cache, db, solo); fix [tool.shipyard.test] services"
    )


def test_an_image_that_cannot_be_had_names_it_and_how_to_provide_it() -> None:
    problem = services_problem(DB, seen(up=None, missing_images=("postgres:15-bookworm",)))
    assert problem is not None
    assert problem.startswith("image postgres:15-bookworm of the stack is not on this engine")
    assert "docker load" in problem


def test_an_unhealthy_service_is_named_with_its_healthcheck_and_the_logs() -> None:
    services = services_from_inspect((DOCKER / "inspect-stack-unhealthy.json").read_bytes(), source="inspect")
    up = CommandRun(argv=("up",), exit_code=1, output=(DOCKER / "up-wait-unhealthy.txt").read_text())
    assert services_problem(DB, seen(up=up, services=services)) == (
        "the tests' services did not start: service 'db' is unhealthy: last healthcheck said "
        "'db not ready: no socket' (logs: services-logs.txt)"
    )


def test_a_service_that_stopped_after_up_is_named() -> None:
    stopped = (ServiceState(name="db", state="exited", exit_code=1),)
    assert services_problem(DB, seen(services=stopped)) == (
        "the tests' service 'db' is exited, not running (logs: services-logs.txt)"
    )


def test_a_leg_without_the_observation_or_with_bad_services_is_an_error(tmp_path: Path) -> None:
    outcome = StageOutcome(stage_id="test-3.12", out_dir=tmp_path)
    evaluate = EvaluateTest(services=DB)
    result = evaluate(outcome)
    assert result.status is Status.ERROR
    assert result.summary.startswith(f"the executor wrote no {SERVICES_JSON}")
    (tmp_path / SERVICES_JSON).write_text(seen(up=None).to_json())
    assert services_verdict(DB, outcome) == "the executor did not start the tests' services; re-run the stage"
    stopped = seen(services=(ServiceState(name="db", state="exited", exit_code=1),))
    (tmp_path / SERVICES_JSON).write_text(stopped.to_json())
    (tmp_path / SERVICES_LOGS).write_text("db exited\n")
    result = evaluate(outcome)
    assert (result.status, result.artifacts) == (Status.ERROR, (SERVICES_JSON, SERVICES_LOGS))
    assert result.summary.startswith("the tests' service 'db' is exited")


EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def test_a_leg_with_services_reads_the_compose_file_and_dot_env_and_says_which_services() -> None:
    project = load_project(EXAMPLES / "services")
    stage = make_test_stage(project, "3.12")
    action = stage.action
    assert isinstance(action, ContainerStep)
    assert action.services == TestServices(file="compose.yaml", names=("db",), timeout=180.0)
    files = ["compose.yaml", ".env", "src/tally/__init__.py", "Dockerfile", "README.md"]
    assert select(files, stage.inputs) == [".env", "README.md", "compose.yaml", "src/tally/__init__.py"]
    assert stage.params["services"] == "db"
    webapp = make_test_stage(load_project(EXAMPLES / "webapp"), "3.12")
    assert isinstance(webapp.action, ContainerStep)
    assert webapp.action.services is None
    assert "compose.yaml" not in select(files, webapp.inputs), "no services: compose.yaml is not the tests'"


def test_how_each_service_runs_comes_from_the_rendered_file() -> None:
    graph = service_graph(CONFIG, source="config")
    assert graph.runs["db"] == ServiceRun(
        image="postgres:15-bookworm",
        environment={"POSTGRES_PASSWORD": "from-dot-env"},
        entrypoint=None,
        command=None,
        ports=(),
    )
    assert graph.runs["cache"].command == ("sleep", "600")
    assert graph.runs["cache"].ports == (6379,)
    assert (graph.runs["solo"].entrypoint, graph.runs["solo"].command) == (("sh", "-c"), ("sleep 600",))
    assert graph.runs["solo"].ports == (80,), "the container port, not the published one"
    assert graph.start_order(("api",)) == ("db", "cache", "api")
