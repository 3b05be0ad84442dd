"""Against a real PostgreSQL: run with DATABASE_URL set (the compose stage does)."""

from __future__ import annotations

import os

import pytest
from starlette.testclient import TestClient

from webapp.app import create_app

pytestmark = pytest.mark.integration


@pytest.fixture
def client() -> TestClient:
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL is not set: this test needs a PostgreSQL server")
    return TestClient(create_app())


def test_healthz_and_visits_against_postgres(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
    first = client.post("/visits").json()["visits"]
    second = client.post("/visits").json()["visits"]
    assert second == first + 1
