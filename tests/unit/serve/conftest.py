"""Fixtures: a SQLite database in tmp and a client of the app over it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from serve_helpers import make_client

from shipyard.serve.settings import sqlite_url

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from starlette.testclient import TestClient


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with make_client(db_url) as test_client:
        yield test_client
