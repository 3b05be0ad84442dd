"""The compose stage's verdict on observations: recorded Docker output and hand-made probe attempts."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe
from shipyard.errors import ReportError
from shipyard.stages.compose import EvaluateCompose, judge
from shipyard.stages.compose_inspect import services_from_inspect, services_in_config
from shipyard.stages.compose_observation import (
    HEALTH_JSON,
    CommandRun,
    ComposeObservation,
    ProbeAttempt,
    ServiceState,
    read_observation,
)
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.probe_verdict import AnyProbe, attempt_problem, probe_passed
from shipyard.stages.result import Status
from shipyard.stages.spec import ComposeStep

DOCKER = Path(__file__).resolve().parents[2] / "fixtures" / "tools" / "docker"
WEB = HttpProbe(service="web", port=8080, path="/healthz", status=200, body="ok")
CONFIG_OK = CommandRun(argv=("docker", "compose", "config"), exit_code=0)
UP_OK = CommandRun(argv=("docker", "compose", "up"), exit_code=0)
HEALTHY = (ServiceState(name="web", state="running", health="healthy"),)


def step(*probes: AnyProbe, retries: int = 2, service: str | None = "web") -> ComposeStep:
    return ComposeStep(
        file="compose.yaml",
        service=service,
        image_from="build-linux-amd64",
        probes=probes,
        timeout=20,
        probe_timeout=5,
        retries=retries,
        probe_image="python:3.13-slim",
    )


def attempt(number: int, probe: int = 0, /, **seen: object) -> ProbeAttempt:
    return ProbeAttempt.model_validate({"probe": probe, "label": "x", "attempt": number, **seen})


def observed(*attempts: ProbeAttempt, **changes: object) -> ComposeObservation:
    base = ComposeObservation(
        executor="docker",
        config=CONFIG_OK,
        services_in_file=("db", "web"),
        up=UP_OK,
        services=HEALTHY,
        attempts=attempts,
        logs="compose-logs.txt",
    )
    return base.model_copy(update=changes)


def test_a_healthy_stack_whose_probe_answers_passes() -> None:
    result = judge(step(WEB), observed(attempt(1, status=200, body="ok\n")))
    assert result.status is Status.PASSED
    assert result.summary == "1 service(s) healthy, 1 probe(s) passed"
    assert result.counts == {"services": 1, "probes": 1, "attempts": 1}
    assert result.artifacts == (HEALTH_JSON, "compose-logs.txt")


def test_an_unhealthy_service_is_named_with_its_last_healthcheck_output() -> None:
    services = services_from_inspect((DOCKER / "inspect-stack-unhealthy.json").read_bytes(), source="inspect")
    up = CommandRun(argv=("up",), exit_code=1, output=(DOCKER / "up-wait-unhealthy.txt").read_text())
    result = judge(step(WEB, service="db"), observed(up=up, services=services, services_in_file=("db",)))
    assert result.status is Status.FAILED
    assert result.summary == (
        "service 'db' is unhealthy: last healthcheck said 'db not ready: no socket' (logs: compose-logs.txt)"
    )
    assert result.details == (
        "service 'job' exited with code 3",
        "docker compose up --wait failed (exit 1): container shipyardcapture-job-1 exited (3)",
    )


def test_a_timeout_names_the_services_still_starting() -> None:
    up = CommandRun(argv=("up",), exit_code=1, output="context deadline exceeded")
    starting = (ServiceState(name="web", state="running", health="starting"),)
    result = judge(step(WEB), observed(up=up, services=starting, logs=None))
    assert result.summary == "the stack did not become healthy within 20 s ('web' still starting)"
    assert result.artifacts == (HEALTH_JSON,)


@pytest.mark.parametrize(
    ("seen", "why"),
    [
        ({"status": 503, "body": "down"}, "answered 503, expected 200"),
        ({"status": 200, "body": "nope"}, "answered 200 without 'ok' in the body"),
        (
            {"error": "10.0.0.2:8080: [Errno 111] Connection refused"},
            "10.0.0.2:8080: [Errno 111] Connection refused",
        ),
        ({}, "no HTTP answer"),
    ],
)
def test_a_failing_http_probe_says_how_after_every_attempt(seen: dict[str, object], why: str) -> None:
    attempts = [attempt(n, **seen) for n in (1, 2, 3)]
    result = judge(step(WEB), observed(*attempts))
    assert result.status is Status.FAILED
    assert (
        result.summary == f"probe http web:8080/healthz failed: {why} (3 attempt(s)) (logs: compose-logs.txt)"
    )


def test_the_status_must_match_exactly_not_just_be_2xx() -> None:
    created = HttpProbe(service="web", port=8080, status=201)
    assert probe_passed(created, attempt(1, status=201))
    assert not probe_passed(created, attempt(1, status=200))
    assert probe_passed(HttpProbe(service="web", port=8080, status=503), attempt(1, status=503))


def test_a_probe_that_passes_on_a_later_attempt_passes() -> None:
    attempts = (attempt(1, status=503), attempt(2, status=200, body="ok"))
    assert judge(step(WEB), observed(*attempts)).status is Status.PASSED


def test_each_probe_is_judged_on_its_own_attempts() -> None:
    tcp = TcpProbe(kind="tcp", service="db", port=5432)
    check = ExecProbe(kind="exec", service="db", command=("pg_isready",))
    attempts = (
        attempt(1, 0, status=200, body="ok"),
        attempt(1, 1, error="10.0.0.3:5432: timed out"),
        attempt(1, 2, exit_code=2, body="no response\n"),
    )
    result = judge(step(WEB, tcp, check, retries=0), observed(*attempts, logs=None))
    assert result.summary == "probe tcp db:5432 failed: 10.0.0.3:5432: timed out (1 attempt(s))"
    assert result.details == ("probe exec db: pg_isready failed: exit 2: no response (1 attempt(s))",)


@pytest.mark.parametrize(
    ("probe", "seen", "problem"),
    [
        (TcpProbe(kind="tcp", service="db", port=1), {}, None),
        (ExecProbe(kind="exec", service="db", command=("true",)), {"exit_code": 0}, None),
        (
            ExecProbe(kind="exec", service="db", command=("x",)),
            {"error": "no exit within 5 s"},
            "no exit within 5 s",
        ),
        (ExecProbe(kind="exec", service="db", command=("x",)), {}, "the command did not run"),
        (ExecProbe(kind="exec", service="db", command=("x",)), {"exit_code": 1}, "exit 1: no output"),
    ],
)
def test_tcp_and_exec_attempts(probe: AnyProbe, seen: dict[str, object], problem: str | None) -> None:
    assert attempt_problem(probe, attempt(1, **seen)) == problem


def test_a_probe_the_executor_never_tried_fails() -> None:
    result = judge(step(WEB), observed())
    assert result.summary == "probe http web:8080/healthz was not tried (logs: compose-logs.txt)"


def test_a_file_that_does_not_parse_is_an_error_with_the_tools_message() -> None:
    message = (DOCKER / "config-does-not-parse.txt").read_text()
    seen = ComposeObservation(
        executor="docker", config=CommandRun(argv=("config",), exit_code=15, output=message)
    )
    result = judge(step(WEB), seen)
    assert result.status is Status.ERROR
    assert result.summary == (
        "compose.yaml does not parse: yaml: line 1: did not find expected ',' or ']' "
        "(fix the file; `docker compose -f compose.yaml config` shows the error)"
    )


def test_a_service_the_file_lacks_is_an_error() -> None:
    services = services_in_config((DOCKER / "config-stack.json").read_bytes(), source="config")
    assert services == ("db", "job", "web")
    seen = ComposeObservation(executor="docker", config=CONFIG_OK, services_in_file=services)
    result = judge(step(WEB, service="app"), seen)
    assert result.status is Status.ERROR
    assert result.summary == (
        "service 'app' is not in compose.yaml (it has: db, job, web); fix [tool.shipyard.compose] service"
    )


def test_an_image_that_does_not_load_is_an_error_with_the_tools_message() -> None:
    load = CommandRun(
        argv=("docker", "load"), exit_code=1, output=(DOCKER / "load-not-an-archive.txt").read_text()
    )
    result = judge(step(WEB), observed(image_load=load, up=None))
    assert result.status is Status.ERROR
    assert result.summary == "loading the image built by build-linux-amd64 failed (exit 1): unexpected EOF"


def test_no_up_is_an_error() -> None:
    assert judge(step(WEB), observed(up=None)).status is Status.ERROR


# reading compose-health.json ------------------------------------------------------------------


def outcome(tmp_path: Path, text: str | None) -> StageOutcome:
    if text is not None:
        (tmp_path / HEALTH_JSON).write_text(text, encoding="utf-8")
    command = CommandOutcome(label="compose", argv=("up",), exit_code=1)
    return StageOutcome(stage_id="compose", out_dir=tmp_path, commands=(command,))


def test_the_report_round_trips_and_is_judged(tmp_path: Path) -> None:
    seen = observed(attempt(1, status=200, body="ok"))
    assert read_observation(seen.to_json(), source="x") == seen
    assert EvaluateCompose(step(WEB))(outcome(tmp_path, seen.to_json())).status is Status.PASSED


def test_no_report_is_an_error(tmp_path: Path) -> None:
    result = EvaluateCompose(step(WEB))(outcome(tmp_path, None))
    assert result.status is Status.ERROR
    assert result.summary == "the compose stage wrote no compose-health.json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ('{"executor": "docker"', "invalid JSON"),
        ("[]", "the document: Input should be a valid dictionary"),
        ('{"executor": "docker"}', "config: Field required"),
        (
            '{"executor": "dagger", "config": {"argv": [], "exit_code": 0}, "problems": ["old shape"]}',
            "problems: Extra inputs are not permitted",
        ),
        (
            '{"executor": "d", "config": {"argv": [], "exit_code": 0}, "attempts": [{"probe": 0}]}',
            "attempts.0.label: Field required",
        ),
    ],
)
def test_a_malformed_report_names_the_file_and_the_field(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ReportError, match=r"compose-health\.json is not a compose health report") as info:
        _ = EvaluateCompose(step(WEB))(outcome(tmp_path, text))
    assert message in str(info.value)
