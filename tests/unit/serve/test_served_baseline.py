"""The bench gate's baseline from a `shipyard serve`: asked for before the run, the file as fallback."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from serve_helpers import LIBRARY, TOKEN, TOOLS, bench_summary

from shipyard.baselines import baseline_path
from shipyard.bench_baseline import SERVE_TIMEOUT, Fetch, with_served_baseline
from shipyard.config.load import load_project
from shipyard.plan.graph import Plan
from shipyard.reports.summary import MAX_ROUNDS
from shipyard.serve.app import create_app
from shipyard.serve.client import send_summary
from shipyard.serve.settings import ServeSettings, sqlite_url
from shipyard.stages.bench import BENCH_ID, bench_stage
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import StageResult, Status

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

URL = "http://ci.example:8080"


def library(tmp_path: Path, *, with_file: bool = False) -> Path:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY, root, ignore=shutil.ignore_patterns(".shipyard", ".venv"))
    if with_file:
        target = baseline_path(root, BENCH_ID)
        target.parent.mkdir(parents=True)
        shutil.copyfile(TOOLS / "bench/baseline.json", target)
    return root


def judge(plan: Plan, tmp_path: Path, report: str) -> StageResult:
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(TOOLS / report, out / "bench.json")
    ran = CommandOutcome(label="bench", argv=("python", "-m", "pytest"), exit_code=0, output_tail="")
    return plan.get(BENCH_ID).evaluate(StageOutcome(stage_id=BENCH_ID, out_dir=out, commands=(ran,)))


def answering(answer: dict[str, object] | OSError | None) -> Fetch:
    def fetch(url: str, project: str, *, branch: str, stage: str, timeout: float) -> dict[str, object] | None:
        del url, project, branch, stage, timeout
        if isinstance(answer, OSError):
            raise answer
        return answer

    return fetch


def plan_of(root: Path, answer: dict[str, object] | OSError | None) -> Plan:
    project = load_project(root)
    plan = Plan(stages=(bench_stage(project),))
    return with_served_baseline(plan, url=URL + "/api/runs", project=project.name, fetch=answering(answer))


def served_report() -> dict[str, object]:
    report = json.loads((TOOLS / "bench/baseline.json").read_text(encoding="utf-8"))
    return {"run": 7, "branch": "main", "report": report}


def test_the_services_baseline_wins_over_the_file_and_is_named(tmp_path: Path) -> None:
    result = judge(
        plan_of(library(tmp_path, with_file=True), served_report()), tmp_path, "bench/regressed.json"
    )
    assert result.status is Status.FAILED
    assert result.summary == "bench: failed: test_parse +509% (median 34.1 µs vs 5.59 µs, p<0.001)"
    assert f"baseline: serve {URL}, run 7 on main" in result.details
    assert result.counts["baseline"] == "serve"


def test_an_unchanged_run_names_the_service_in_its_passing_summary(tmp_path: Path) -> None:
    result = judge(plan_of(library(tmp_path), served_report()), tmp_path, "bench/unchanged.json")
    assert result.status is Status.PASSED
    assert f"compared with main's baseline (serve {URL}, run 7 on main)" in result.summary


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (
            OSError(f"cannot reach {URL}: [Errno 111] Connection refused"),
            f"serve {URL} unavailable: cannot reach",
        ),
        (None, f"serve {URL} has no green run on main with benchmarks yet"),
        ({"run": "7", "report": {}}, f"serve {URL} answered a baseline without 'run' and 'report'"),
        ({"run": 7, "report": {"benchmarks": []}}, f"serve {URL} answered a baseline that is not one"),
        (
            {"run": 7, "report": {"machine_info": {}, "benchmarks": []}},
            f"serve {URL}'s run 7 on main holds no",
        ),
    ],
)
def test_without_the_services_baseline_the_file_is_used_and_the_gate_says_why(
    tmp_path: Path, answer: dict[str, object] | OSError | None, why: str
) -> None:
    result = judge(plan_of(library(tmp_path, with_file=True), answer), tmp_path, "bench/regressed.json")
    assert result.status is Status.FAILED  # compared with the file: the regression is still caught
    line = next(d for d in result.details if d.startswith("baseline: "))
    assert line.startswith(f"baseline: baseline file .shipyard/baselines/bench.json ({why}")
    assert result.counts["baseline"] == "file"


def test_service_down_and_no_file_is_an_honest_no_baseline_yet(tmp_path: Path) -> None:
    down = OSError(f"cannot reach {URL}: [Errno 111] Connection refused")
    result = judge(plan_of(library(tmp_path), down), tmp_path, "bench/regressed.json")
    assert result.status is Status.PASSED
    assert result.summary == (
        "bench: passed: no baseline yet (2 benchmark(s) ran, nothing compared; serve "
        f"{URL} unavailable: cannot reach {URL}: [Errno 111] Connection refused; no baseline file either)"
    )
    assert result.counts["baseline"] == "none"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(database_url: str) -> Generator[str]:
    """A real `shipyard serve` app on a local port."""
    app = create_app(ServeSettings(database_url=database_url, token=TOKEN))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    """The service over SQLite in tmp."""
    (tmp_path / "db").mkdir()
    with serving(sqlite_url(tmp_path / "db")) as url:
        yield url


def test_a_green_main_run_sent_to_the_service_is_the_next_runs_baseline(tmp_path: Path, service: str) -> None:
    root = library(tmp_path)
    sent = send_summary(service, bench_summary(root, tmp_path / "main", "bench/baseline.json"), token=TOKEN)
    assert sent == f"{service}/projects/semverlite"
    project = load_project(root)
    plan = with_served_baseline(Plan(stages=(bench_stage(project),)), url=service, project=project.name)
    result = judge(plan, tmp_path, "bench/regressed.json")
    assert result.status is Status.FAILED
    assert f"baseline: serve {service}, run 1 on main" in result.details
    assert "test_parse +509%" in result.summary  # rounds thinned to 1000 at most: the same verdict


def test_a_service_that_is_not_listening_is_named_in_one_line(tmp_path: Path) -> None:
    project = load_project(library(tmp_path))
    url = f"http://127.0.0.1:{_free_port()}"
    plan = with_served_baseline(
        Plan(stages=(bench_stage(project),)), url=url, project=project.name, timeout=5
    )
    result = judge(plan, tmp_path, "bench/unchanged.json")
    assert result.status is Status.PASSED
    assert result.summary.startswith("bench: passed: no baseline yet (2 benchmark(s) ran, nothing compared; ")
    assert f"serve {url} unavailable: cannot reach {url}: " in result.summary
    assert "\n" not in result.summary


def test_a_service_whose_database_is_down_is_named_and_the_file_used(tmp_path: Path) -> None:
    project = load_project(library(tmp_path, with_file=True))
    down = f"postgresql+psycopg://shipyard:secret@127.0.0.1:{_free_port()}/shipyard"
    with serving(down) as url:
        plan = with_served_baseline(Plan(stages=(bench_stage(project),)), url=url, project=project.name)
    result = judge(plan, tmp_path, "bench/regressed.json")
    assert result.status is Status.FAILED  # against the file
    line = next(d for d in result.details if d.startswith("baseline: "))
    assert line.startswith(
        f"baseline: baseline file .shipyard/baselines/bench.json (serve {url} unavailable: "
    )
    assert "answered 503" in line
    assert "does not answer" in line
    assert "secret" not in line
    assert "\n" not in line


def test_the_docs_state_what_the_code_does() -> None:
    docs = Path(__file__).parents[3] / "docs"
    text = (docs / "benchmarks.md").read_text(encoding="utf-8")
    assert f"at most {MAX_ROUNDS} rounds per benchmark" in text
    assert f"at most {SERVE_TIMEOUT:g} s" in text
    assert "GET <url>/api/projects/<project>/baseline?branch=<baseline>&stage=bench" in text
    app = create_app(ServeSettings(database_url="sqlite://"))
    paths = {getattr(route, "path", "") for route in app.routes}
    assert {"/api/projects/{name}/baseline", "/projects/{name}/benchmarks"} <= paths
    assert "GET /api/projects/{name}/baseline?branch=main&stage=bench" in (docs / "serve.md").read_text(
        "utf-8"
    )
