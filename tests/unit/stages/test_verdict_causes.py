"""One-line summaries quote the cause a tool printed, not its last line (fixtures/tools/causes)."""

from __future__ import annotations

from pathlib import Path

from shipyard.config.load import load_project
from shipyard.config.models import HttpProbe
from shipyard.docker.container_step import _consume  # pyright: ignore[reportPrivateUsage]
from shipyard.gitinfo import GitInfo
from shipyard.parsers.causes import find_cause
from shipyard.stages.build import build_stage
from shipyard.stages.compose import judge
from shipyard.stages.compose_observation import CommandRun, ComposeObservation
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import Status
from shipyard.stages.spec import ComposeStep
from shipyard.stages.test import test_stage as make_test_stage

CAUSES = Path(__file__).resolve().parents[2] / "fixtures" / "tools" / "causes"
WEBAPP = load_project(Path(__file__).resolve().parents[3] / "examples" / "webapp")
SCM = "LookupError: setuptools-scm was unable to detect version for /tmp/cx/scm."
STEP = ComposeStep(
    file="compose.yaml",
    service="web",
    image_from="build-linux-amd64",
    probes=(HttpProbe(service="web", port=8080, path="/healthz", status=200),),
    timeout=20,
    probe_timeout=5,
    retries=2,
    probe_image="python:3.13-slim",
)
CONFIG_OK = CommandRun(argv=("docker", "compose", "config"), exit_code=0)


def captured(name: str) -> str:
    return (CAUSES / name).read_text(encoding="utf-8")


def test_pytest_exiting_4_on_a_conftest_error_names_it(tmp_path: Path) -> None:
    pytest = CommandOutcome(
        "pytest", ("/venv/bin/python", "-m", "pytest"), 4, captured("pytest-conftest-error.txt")
    )
    result = make_test_stage(WEBAPP, "3.12").evaluate(StageOutcome("test-3.12", tmp_path, commands=(pytest,)))
    assert result.status is Status.ERROR
    assert result.summary == (
        "pytest wrote no junit.xml (exit 4: error loading conftest /tmp/cx/conftest_err/tests/conftest.py: "
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings)"
    )


def test_a_failed_install_quotes_the_build_backends_exception_not_pips_framing(tmp_path: Path) -> None:
    for fixture in ("pip-setuptools-scm.txt", "uv-0.11-sync-setuptools-scm.txt"):
        install = CommandOutcome("install", ("/uv", "sync"), 1, captured(fixture))
        result = make_test_stage(WEBAPP, "3.12").evaluate(
            StageOutcome("test-3.12", tmp_path, commands=(install,))
        )
        assert result.status is Status.ERROR
        assert result.summary == f"install failed with exit 1: {SCM}"


def test_a_base_image_the_offline_engine_lacks_is_named_with_the_fix(tmp_path: Path) -> None:
    buildx = CommandOutcome(
        "buildx", ("docker", "buildx", "build"), 1, captured("buildx-base-image-missing.txt")
    )
    stage = build_stage(
        WEBAPP, "linux/amd64", GitInfo(sha=None, ref=None, committed=None, dirty=False, history=None)
    )
    result = stage.evaluate(StageOutcome("build-linux-amd64", tmp_path, commands=(buildx,)))
    assert result.status is Status.ERROR
    assert result.summary.startswith(
        "image shipyard-missing-base/python:3.12-slim is not on this engine and cannot be pulled"
    )
    assert "`docker pull shipyard-missing-base/python:3.12-slim` on a connected machine" in result.summary
    assert "`docker load` it here" in result.summary
    assert "registry-1.docker.io" not in result.summary


def test_a_compose_file_missing_a_required_variable_names_the_variable() -> None:
    config = CommandRun(
        argv=("config",), exit_code=15, output=captured("compose-config-required-variable.txt")
    )
    result = judge(STEP, ComposeObservation(executor="docker", config=config))
    assert result.status is Status.ERROR
    assert result.summary.startswith(
        "compose.yaml does not parse: required variable POSTGRES_PASSWORD is missing a value "
    )


def test_a_compose_config_that_printed_nothing_says_so() -> None:
    config = CommandRun(argv=("config",), exit_code=15, output="")
    result = judge(STEP, ComposeObservation(executor="docker", config=config))
    assert "does not parse: it printed nothing (exit 15)" in result.summary


def _seen(**changes: object) -> ComposeObservation:
    base = ComposeObservation(executor="docker", config=CONFIG_OK, services_in_file=("db", "web"))
    return base.model_copy(update=changes)


def test_a_stack_image_missing_offline_is_an_error_naming_it_and_the_fix() -> None:
    result = judge(STEP, _seen(missing_images=("postgres:16",)))
    assert result.status is Status.ERROR
    assert result.summary.startswith(
        "image postgres:16 of the stack is not on this engine and pulling is disabled (--offline); "
        "fix: `docker pull` it on a connected machine"
    )


def test_a_stack_image_whose_pull_failed_is_an_error_quoting_the_pull() -> None:
    pull = CommandRun(argv=("pull",), exit_code=18, output=captured("compose-up-pull-failed.txt"))
    result = judge(STEP, _seen(missing_images=("shipyard-no-such-image/redis:7",), pull=pull))
    assert result.status is Status.ERROR
    assert "`docker compose pull` could not get it: Error response from daemon:" in result.summary


def test_up_stopping_at_an_image_it_has_not_got_is_an_error_not_a_stack_failure() -> None:
    up = CommandRun(argv=("up",), exit_code=1, output=captured("compose-up-image-missing.txt"))
    result = judge(STEP, _seen(up=up))
    assert result.status is Status.ERROR
    assert result.summary.startswith("image shipyard-no-such-image/redis:7 is not on this engine")


def test_the_docker_executor_keeps_a_tail_long_enough_for_a_cause_far_above_the_end() -> None:
    output = captured("uv-0.11-sync-setuptools-scm.txt") + "".join(f"trailing line {n}\n" for n in range(60))
    stream = iter([(output.encode(), None)])
    tail, _ = _consume(stream, lambda _line: None)
    cause = find_cause("\n".join(tail))
    assert cause is not None
    assert cause.text == SCM
