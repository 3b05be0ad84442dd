from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from webapp import __version__
from webapp.app import create_app
from webapp.db import Database


class FakeStore:
    def __init__(self, *, up: bool) -> None:
        self.up = up
        self.count = 0

    def ping(self) -> bool:
        return self.up

    def record_visit(self) -> int:
        self.count += 1
        return self.count


def test_healthz_ok_when_database_answers() -> None:
    client = TestClient(create_app(FakeStore(up=True)))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok"


def test_healthz_503_when_database_is_down() -> None:
    client = TestClient(create_app(FakeStore(up=False)))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "unreachable" in response.text


def test_healthz_503_against_a_real_closed_port() -> None:
    # port 1 on loopback refuses at once: psycopg's real error path, no server needed
    store = Database("postgresql://nobody@127.0.0.1:1/none")
    response = TestClient(create_app(store)).get("/healthz")
    assert response.status_code == 503


def test_without_database_url_nothing_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    client = TestClient(create_app())
    assert client.get("/healthz").status_code == 503
    assert client.post("/visits").status_code == 503


def test_database_url_selects_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    app = create_app()
    assert isinstance(app.state.store, Database)
    assert app.state.store.url.endswith("/none")


@pytest.mark.parametrize(
    ("name", "status"),
    [("Ada", 200), ("  Grace  ", 200), ("x" * 65, 422), ("%20", 422)],
)
def test_hello(name: str, status: int) -> None:
    response = TestClient(create_app(FakeStore(up=True))).get(f"/hello/{name}")
    assert response.status_code == status
    if status == 200:
        assert response.json() == {"greeting": f"Hello, {name.strip()}!", "version": __version__}


def test_visits_counts() -> None:
    client = TestClient(create_app(FakeStore(up=True)))
    assert client.post("/visits").json() == {"visits": 1}
    response = client.post("/visits")
    assert response.status_code == 201
    assert response.json() == {"visits": 2}
    assert client.get("/visits").status_code == 405
