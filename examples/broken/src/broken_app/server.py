"""`/healthz` and `/token-info` on the standard library's HTTP server."""

from __future__ import annotations

import json
import os
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

FAIL_HEALTHCHECK_ENV = "BROKEN_FAIL_HEALTHCHECK"


def healthy() -> bool:
    """The service is healthy unless told otherwise (the `unhealthy` fault sets the variable)."""
    return os.environ.get(FAIL_HEALTHCHECK_ENV, "0") != "1"


def token_info(token: str) -> dict[str, object]:
    """Describe a JWT without verifying it: its header and its claims."""
    return {
        "header": jwt.get_unverified_header(token),
        "claims": jwt.decode(token, options={"verify_signature": False}),
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "broken-app"

    def do_GET(self) -> None:  # the name http.server dispatches to
        url = urlsplit(self.path)
        if url.path == "/healthz":
            if healthy():
                self._send(HTTPStatus.OK, "text/plain", b"ok")
            else:
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain", b"unhealthy")
        elif url.path == "/token-info":
            token = parse_qs(url.query).get("token", [""])[0]
            try:
                body = token_info(token)
            except jwt.InvalidTokenError as exc:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            else:
                self._json(HTTPStatus.OK, body)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no route {url.path}"})

    def _json(self, status: HTTPStatus, body: object) -> None:
        self._send(status, "application/json", json.dumps(body).encode())

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_server(host: str = "0.0.0.0", port: int = 8080) -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:  # pragma: no cover (serves until killed)
    make_server(port=int(os.environ.get("PORT", "8080"))).serve_forever()


if __name__ == "__main__":  # pragma: no cover
    main()
