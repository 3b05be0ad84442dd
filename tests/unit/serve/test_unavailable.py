"""A database that is down: 503 with a clear message, the service keeps answering, and recovers."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from serve_helpers import AUTH, make_client, real_summary

from shipyard.serve.settings import sqlite_url

if TYPE_CHECKING:
    from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_postgres_that_is_not_listening_is_503_and_the_app_stays_up() -> None:
    url = f"postgresql+psycopg://shipyard:secret@127.0.0.1:{free_port()}/shipyard"
    with make_client(url) as app:
        for _ in range(2):
            health = app.get("/healthz")
            assert health.status_code == 503
            assert "database unavailable" in health.text
            assert "secret" not in health.text  # the password is never shown
            ingest = app.post("/api/runs", json=real_summary(), headers=AUTH)
            assert ingest.status_code == 503
            assert "does not answer" in ingest.json()["error"]
            page = app.get("/")
            assert page.status_code == 503
            assert "database unavailable" in page.text
            assert app.get("/api/projects/webapp/stats").status_code == 503


def test_a_sqlite_file_that_cannot_be_opened_is_503_until_it_can(tmp_path: Path) -> None:
    data_dir = tmp_path / "not-yet"
    with make_client(sqlite_url(data_dir)) as app:
        assert app.get("/healthz").status_code == 503
        assert app.post("/api/runs", json=real_summary(), headers=AUTH).status_code == 503
        data_dir.mkdir()  # the volume appears: the next request migrates and answers
        assert app.get("/healthz").text == "ok\n"
        assert app.post("/api/runs", json=real_summary(), headers=AUTH).status_code == 201
