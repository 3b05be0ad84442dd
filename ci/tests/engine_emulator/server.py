"""The emulator's HTTP endpoint: GraphQL on 127.0.0.1, with the session token the SDK sends.

The SDK POSTs to http://127.0.0.1:$DAGGER_SESSION_PORT/query with HTTP basic auth, the session
token as user (sdk/python/src/dagger/client/_session.py ConnectParams, ClientSession).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast

from graphql import graphql_sync  # pyright: ignore[reportUnknownVariableType]

from engine_emulator.fields import Fields
from engine_emulator.schema import schema

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self


def use_the_sdks_httpx() -> None:
    """Make gql's HTTPX transport use the `httpx` the SDK builds its URL with.

    gql prefers `httpx2` when it is installed (gql/transport/httpx.py: `import httpx2 as httpx`),
    while dagger-io builds `httpx.URL`s (dagger/client/_session.py); the dev environment has both
    (starlette's TestClient wants httpx2), and the transport then refuses the SDK's URL. The
    module's own runtime installs no httpx2, so there the two agree already.
    """
    import httpx  # noqa: PLC0415 - only the tests' environment needs this
    from gql.transport import httpx as transport  # noqa: PLC0415

    transport.httpx = httpx  # pyright: ignore[reportAttributeAccessIssue]


class Emulator:
    """One engine session: a server thread, its objects, and the log of every query it answered."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(16)
        self.fields = Fields()
        self.schema = schema()
        self.queries: list[str] = []
        self.errors: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def env(self) -> dict[str, str]:
        """The variables a client needs to attach (the SDK's contract for a running session)."""
        return {"DAGGER_SESSION_PORT": str(self.port), "DAGGER_SESSION_TOKEN": self.token}

    def answer(self, body: dict[str, object]) -> dict[str, object]:
        """Execute one GraphQL request."""
        query = str(body.get("query", ""))
        if "__schema" not in query:
            self.queries.append(query)
        result = graphql_sync(
            self.schema,
            query,
            variable_values=cast("dict[str, Any] | None", body.get("variables")),
            field_resolver=self.fields.resolve,
            type_resolver=Fields.type_of,
        )
        formatted = dict(result.formatted)
        self.errors += [
            str(e.get("message")) for e in cast("list[dict[str, object]]", formatted.get("errors", []))
        ]
        return formatted

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.fields.run.close()


class _Server(ThreadingHTTPServer):
    """Many requests at once: the SDK resolves every argument's ID concurrently (_core.py resolve_ids)."""

    request_queue_size = 256
    daemon_threads = True


def _handler(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{emulator.token}:".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get("Authorization") != expected:
                self.send_error(401)
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            payload = json.dumps(emulator.answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            """Quiet."""

    return Handler
