"""Endpoints an engine connection fails on: a closed port, a TLS listener the client's CA did not sign,
and an engine too old for shipyard's API.

The TLS listener is real TLS (certificates made with openssl here); the old engine is a small
HTTP server answering the two calls a client makes first (`/version`, `/_ping`) as Docker 17.06
did (API 1.30): no engine that old can be installed here.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import ssl
import subprocess
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Generator
    from pathlib import Path

OLD_API = "1.30"


def closed_port() -> int:
    """A TCP port on loopback nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed(directory: Path, name: str, common_name: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.pem", directory / f"{name}-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={common_name}"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextlib.contextmanager
def tls_listener(directory: Path) -> Generator[tuple[int, Path]]:
    """A TLS server on loopback, and a DOCKER_CERT_PATH whose CA did not sign its certificate."""
    directory.mkdir(parents=True, exist_ok=True)
    server_cert, server_key = _self_signed(directory, "server", "127.0.0.1")
    client_dir = directory / "client-certs"
    client_dir.mkdir()
    other_ca, _ = _self_signed(client_dir, "other-ca", "some other CA")
    other_ca.rename(client_dir / "ca.pem")
    client_cert, client_key = _self_signed(client_dir, "client", "client")
    client_cert.rename(client_dir / "cert.pem")
    client_key.rename(client_dir / "key.pem")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    server = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with contextlib.suppress(OSError), context.wrap_socket(connection, server_side=True) as tls:
                tls.recv(1)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield int(server.getsockname()[1]), client_dir
    finally:
        stopping.set()
        server.close()


class _OldEngine(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.endswith("/version"):
            body = json.dumps(
                {"Version": "17.06.0-ce", "ApiVersion": OLD_API, "MinAPIVersion": "1.12"}
            ).encode()
            kind = "application/json"
        else:
            body, kind = b"OK", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Api-Version", OLD_API)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        del format, args


@contextlib.contextmanager
def old_engine() -> Generator[int]:
    """An HTTP server on loopback answering as a Docker Engine of API 1.30; its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OldEngine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
