from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import jwt
import pytest

from broken_app.server import FAIL_HEALTHCHECK_ENV, make_server, token_info


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_healthz_ok(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FAIL_HEALTHCHECK_ENV, raising=False)
    assert get(f"{base_url}/healthz") == (200, b"ok")


def test_healthz_fails_when_told_to(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAIL_HEALTHCHECK_ENV, "1")
    assert get(f"{base_url}/healthz") == (503, b"unhealthy")


def test_token_info(base_url: str) -> None:
    token = jwt.encode({"sub": "ada"}, "not-a-secret-just-a-test-key-32b", algorithm="HS256")
    status, body = get(f"{base_url}/token-info?token={token}")
    assert status == 200
    assert json.loads(body) == {"header": {"alg": "HS256", "typ": "JWT"}, "claims": {"sub": "ada"}}


def test_token_info_rejects_garbage(base_url: str) -> None:
    status, body = get(f"{base_url}/token-info?token=garbage")
    assert status == 400
    assert "error" in json.loads(body)


def test_unknown_route(base_url: str) -> None:
    assert get(f"{base_url}/nope")[0] == 404


def test_token_info_function() -> None:
    token = jwt.encode({"n": 1}, "not-a-secret-just-a-test-key-32b", algorithm="HS256")
    assert token_info(token)["claims"] == {"n": 1}
