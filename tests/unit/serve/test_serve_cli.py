"""`shipyard serve --migrate` on a SQLite file, and `shipyard run --report-to`'s client against the app."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

import pytest
import uvicorn
from serve_helpers import TOKEN, real_summary

from shipyard.cli.app import main
from shipyard.serve.app import create_app
from shipyard.serve.client import send_summary
from shipyard.serve.settings import ServeSettings, sqlite_url

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


def test_migrate_creates_the_schema_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        main(["serve", "--migrate", "--data-dir", str(tmp_path)])
    assert "newest schema" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "shipyard.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "stages", "benchmarks"} <= tables


def test_the_database_url_comes_from_the_environment(tmp_path: Path) -> None:
    env_url = sqlite_url(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "shipyard", "serve", "--migrate"],
        env={"SHIPYARD_DATABASE_URL": env_url, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "elsewhere" / "shipyard.db").exists()


def test_a_database_that_is_down_fails_migrate_with_a_clear_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "shipyard",
            "serve",
            "--migrate",
            "--database-url",
            sqlite_url(tmp_path / "no"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 8
    assert "does not answer" in proc.stderr


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn server on loopback, in a thread of this process."""
    app = create_app(ServeSettings(database_url=sqlite_url(tmp_path), token=TOKEN))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        thread.join(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_the_client_sends_a_summary_and_reports_where_it_went(server: str) -> None:
    where = send_summary(server, real_summary(), token=TOKEN)
    assert where == f"{server}/projects/webapp"


@pytest.mark.parametrize(
    ("token", "reason"), [("wrong", "answered 401"), (None, "answered 401")], ids=["wrong", "none"]
)
def test_a_refusal_is_an_oserror_with_the_reason(server: str, token: str | None, reason: str) -> None:
    with pytest.raises(OSError, match=reason):
        send_summary(f"{server}/api/runs", real_summary(), token=token)


def test_an_unreachable_service_is_an_oserror() -> None:
    with pytest.raises(OSError, match="cannot reach"):
        send_summary("http://127.0.0.1:9/", real_summary(), token=TOKEN, timeout=5)


def test_a_malformed_summary_is_refused_with_the_field(server: str) -> None:
    bad: dict[str, object] = {**real_summary(), "seconds": "soon"}
    with pytest.raises(OSError, match="422") as info:
        send_summary(server, bad, token=TOKEN)
    assert "seconds" in str(info.value)
