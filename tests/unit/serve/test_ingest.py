"""POST /api/runs: auth, size limit, validation, one transaction; then the pages show the runs."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

import anyio
import pytest
from serve_helpers import AUTH, TOKEN, make_client, real_summary, variant

from shipyard.serve.app import create_app
from shipyard.serve.settings import ServeSettings

if TYPE_CHECKING:
    from pathlib import Path

    from starlette.testclient import TestClient
    from starlette.types import Message, Scope


def stored_runs(tmp_path: Path) -> tuple[int, int]:
    with sqlite3.connect(tmp_path / "shipyard.db") as connection:
        runs = connection.execute("SELECT count(*) FROM runs").fetchone()[0]
        stages = connection.execute("SELECT count(*) FROM stages").fetchone()[0]
    return runs, stages


@pytest.mark.parametrize("fixture", ["webapp-full.json", "webapp-cached.json"])
def test_a_real_summary_is_stored_with_its_stages(client: TestClient, tmp_path: Path, fixture: str) -> None:
    response = client.post("/api/runs", content=json.dumps(real_summary(fixture)), headers=AUTH)
    assert response.status_code == 201, response.text
    assert response.json() == {"id": 1, "project": "webapp", "url": "/projects/webapp"}
    assert stored_runs(tmp_path) == (1, 12)


def test_the_pages_show_ingested_runs(client: TestClient) -> None:
    for i, fixture in enumerate(["webapp-full.json", "webapp-cached.json", "webapp-full.json"]):
        body = variant(real_summary(fixture), minutes=i)
        assert client.post("/api/runs", json=body, headers=AUTH).status_code == 201
    index = client.get("/")
    assert index.status_code == 200
    assert 'href="/projects/webapp"' in index.text
    page = client.get("/projects/webapp")
    assert page.status_code == 200
    assert "branch main" in page.text
    assert "3 run(s)" in page.text
    assert page.text.count("<svg") >= 3
    stats = client.get("/api/projects/webapp/stats").json()
    (main,) = stats["branches"]
    assert [r["id"] for r in main["runs"]] == [1, 2, 3]
    lint = next(s for s in main["stages"] if s["stage"] == "lint")
    assert lint["cache_hits"] == 1
    assert lint["executed"] == 2
    assert lint["cache_hit_rate"] == pytest.approx(1 / 3, abs=1e-3)


def test_an_unknown_project_is_404(client: TestClient) -> None:
    assert client.get("/projects/nothing").status_code == 404
    assert client.get("/api/projects/nothing/stats").status_code == 404
    assert client.get("/projects/..%2Fetc").status_code == 404


MALFORMED = {
    "not json": b"{not json",
    "a list": b"[1, 2]",
    "wrong schema": json.dumps({**real_summary(), "schema": "other/v9"}).encode(),
    "no stages": json.dumps({k: v for k, v in real_summary().items() if k != "stages"}).encode(),
    "bad status": json.dumps(
        {**real_summary(), "stages": [{**real_summary()["stages"][0], "status": "great"}]}
    ).encode(),
    "negative seconds": json.dumps({**real_summary(), "seconds": -1}).encode(),
    "bad project name": json.dumps({**real_summary(), "project": {"name": "../x"}}).encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_summary_is_422_with_a_reason_and_nothing_is_written(
    client: TestClient, tmp_path: Path, body: bytes
) -> None:
    response = client.post("/api/runs", content=body, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]
    assert stored_runs(tmp_path) == (0, 0)


def test_a_validation_error_names_the_field(client: TestClient) -> None:
    response = client.post("/api/runs", content=MALFORMED["bad status"], headers=AUTH)
    (detail,) = response.json()["details"]
    assert detail["loc"] == "stages.0.status"


def test_an_oversized_body_is_413(tmp_path: Path, db_url: str) -> None:
    with make_client(db_url, max_body=4096) as small:
        response = small.post("/api/runs", content=b" " * 4097, headers=AUTH)
        assert response.status_code == 413
        assert stored_runs(tmp_path) == (0, 0)


def test_an_oversized_body_without_content_length_is_cut_off_while_reading(
    tmp_path: Path, db_url: str
) -> None:
    app = create_app(ServeSettings(database_url=db_url, token=TOKEN, max_body=1024 * 1024))
    chunk = b" " * 65536
    received: list[int] = []
    sent: list[Message] = []

    async def receive() -> Message:
        received.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": len(received) < 1000}  # 64 MiB

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/runs",
        "raw_path": b"/api/runs",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", f"Bearer {TOKEN}".encode()), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }

    async def call() -> None:
        await app(scope, receive, send)

    anyio.run(call)
    assert sent[0]["status"] == 413
    assert sum(received) <= 1024 * 1024 + len(chunk)  # read no further than the limit
    assert not (tmp_path / "shipyard.db").exists() or stored_runs(tmp_path) == (0, 0)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}, {"Authorization": "Bearer"}],
    ids=["missing", "wrong", "basic", "empty"],
)
def test_a_missing_or_wrong_token_is_401(client: TestClient, tmp_path: Path, headers: dict[str, str]) -> None:
    response = client.post("/api/runs", json=real_summary(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert stored_runs(tmp_path) == (0, 0)


def test_without_a_configured_token_ingest_is_disabled(db_url: str) -> None:
    with make_client(db_url, token=None) as app:
        response = app.post("/api/runs", json=real_summary(), headers=AUTH)
        assert response.status_code == 403
        assert "SHIPYARD_SERVE_TOKEN" in response.json()["error"]


def test_a_failing_insert_leaves_nothing_half_written(tmp_path: Path, db_url: str) -> None:
    with make_client(db_url, raise_server_exceptions=False) as app:
        assert app.get("/healthz").status_code == 200  # migrated
        with sqlite3.connect(tmp_path / "shipyard.db") as connection:
            connection.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON stages WHEN NEW.stage = 'compose' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            )
        response = app.post("/api/runs", json=real_summary(), headers=AUTH)
    assert response.status_code == 500
    assert stored_runs(tmp_path) == (0, 0)  # the run row and the first 11 stages were rolled back
