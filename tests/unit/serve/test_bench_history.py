"""The service keeps each bench run's benchmarks: the baseline endpoint and the benchmarks page."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING, Any

import pytest
from alembic import command
from alembic.config import Config
from serve_helpers import AUTH, LIBRARY, TOOLS, bench_summary, make_client, real_summary, variant
from sqlalchemy import inspect

from shipyard.parsers.bench import parse_bench
from shipyard.reports.summary import kept_rounds
from shipyard.serve.db import MIGRATIONS, Database

if TYPE_CHECKING:
    from pathlib import Path

    from starlette.testclient import TestClient

BASELINE = "/api/projects/semverlite/baseline?branch=main&stage=bench"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "library"
    shutil.copytree(LIBRARY, root, ignore=shutil.ignore_patterns(".shipyard", ".venv"))
    return root


def post(client: TestClient, data: Any) -> int:
    answer = client.post("/api/runs", json=data, headers=AUTH)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_no_green_run_yet_is_a_404_that_says_so(client: TestClient) -> None:
    answer = client.get(BASELINE)
    assert answer.status_code == 404
    assert answer.json() == {"error": "no green run of semverlite on main with bench benchmarks yet"}


def test_the_baseline_is_the_last_green_bench_run_of_the_branch(
    client: TestClient, library: Path, tmp_path: Path
) -> None:
    green = post(client, bench_summary(library, tmp_path / "1", "bench/baseline.json", minutes=1))
    post(client, bench_summary(library, tmp_path / "2", "bench/unchanged.json", minutes=2, ok=False))
    other = bench_summary(library, tmp_path / "3", "bench/regressed.json", minutes=3, ref="refs/heads/pr")
    pr = post(client, other)
    post(client, variant(real_summary(), minutes=4, project="semverlite"))  # green, but no bench stage
    body = client.get(BASELINE).json()
    assert (body["run"], body["branch"], body["stage"]) == (green, "main", "bench")
    served = parse_bench(json.dumps(body["report"]), source="served")
    recorded = parse_bench((TOOLS / "bench/baseline.json").read_bytes(), source="recorded")
    assert [b.fullname for b in served.benchmarks] == [b.fullname for b in recorded.benchmarks]
    for got, want in zip(served.benchmarks, recorded.benchmarks, strict=True):
        assert got.median == want.median
        assert list(got.rounds) == kept_rounds(want.rounds)
    assert client.get(BASELINE.replace("main", "pr")).json()["run"] == pr


@pytest.mark.parametrize(
    "query",
    ["/api/projects/lib%20rary/baseline", f"/api/projects/semverlite/baseline?branch={'b' * 256}"],
)
def test_a_bad_name_or_branch_is_a_400(client: TestClient, query: str) -> None:
    assert client.get(query).status_code == 400


@pytest.mark.parametrize(
    "benchmark",
    [
        {"name": "test_parse", "median": -1.0, "rounds": [1.0]},
        {"name": "", "median": 1.0},
        {"name": "test_parse", "median": 1.0, "rounds": ["fast"]},
        {"name": "test_parse", "median": 1.0, "rounds": [0.1] * 10_001},
    ],
)
def test_malformed_benchmarks_are_refused_whole(
    client: TestClient, library: Path, tmp_path: Path, benchmark: dict[str, object]
) -> None:
    data = bench_summary(library, tmp_path, "bench/baseline.json")
    data["stages"][0]["benchmarks"] = [benchmark]
    answer = client.post("/api/runs", json=data, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["details"][0]["loc"].startswith("stages.0.benchmarks.0")
    assert client.get("/api/projects").json() == {"projects": []}


def test_the_benchmarks_page_charts_each_median_over_runs_per_branch(
    client: TestClient, library: Path, tmp_path: Path
) -> None:
    post(client, bench_summary(library, tmp_path / "1", "bench/baseline.json", minutes=1))
    post(
        client, bench_summary(library, tmp_path / "2", "bench/regressed.json", minutes=2, ref="refs/heads/pr")
    )
    post(client, bench_summary(library, tmp_path / "3", "bench/unchanged.json", minutes=3))
    page = client.get("/projects/semverlite/benchmarks")
    assert page.status_code == 200
    html = page.text
    assert html.count('aria-label="test_parse median"') == 1
    assert html.count('aria-label="test_sort median"') == 1
    assert "3 run(s) · latest median" in html
    assert ">main</text>" in html
    assert ">pr</text>" in html
    assert "<script" not in html
    assert 'href="/projects/semverlite/benchmarks"' in client.get("/projects/semverlite").text


def test_a_project_without_benchmarks_gets_a_page_that_says_so(client: TestClient) -> None:
    post(client, variant(real_summary(), project="webapp"))
    html = client.get("/projects/webapp/benchmarks").text
    assert "No run of webapp has reported benchmarks yet" in html


def test_the_migration_adds_the_table_to_a_database_with_runs(db_url: str) -> None:
    database = Database(db_url)
    with database.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", MIGRATIONS)
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    assert "benchmarks" not in inspect(database.engine).get_table_names()
    database.engine.dispose()
    with make_client(db_url) as client:
        post(client, variant(real_summary(), project="webapp"))
        assert client.get("/api/projects/webapp/stats").status_code == 200
        assert client.get("/api/projects/webapp/baseline").status_code == 404
    assert "benchmarks" in inspect(Database(db_url).engine).get_table_names()
