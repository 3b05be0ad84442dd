"""The registry client against a small in-process registry that speaks the Bearer token flow.

The local test registry uses Basic auth (tests/engine/test_publish.py); ghcr.io and most clouds
use Bearer tokens, so that flow, and the core's rollback of moved tags (shipyard.publish.tags), are
checked here over real HTTP.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, ClassVar

import pytest

from shipyard.errors import PublishError
from shipyard.oci.auth import Credentials
from shipyard.oci.media import OCI_INDEX
from shipyard.oci.reference import Repository
from shipyard.oci.registry import Manifest, RegistryAuthError, RegistryClient
from shipyard.publish.tags import move_tags

if TYPE_CHECKING:
    from collections.abc import Iterator

USER, PASSWORD, TOKEN = "me", "right-password", "tok-123"


class FakeRegistry(BaseHTTPRequestHandler):
    """Bearer-protected manifests in a dict; PUT of tag `broken` fails; DELETE is not supported."""

    manifests: ClassVar[dict[str, tuple[bytes, str]]] = {}
    token_requests: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Quiet."""

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        host = self.headers["Host"]
        challenge = f'Bearer realm="http://{host}/token",service="fake"'
        self._send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {"WWW-Authenticate": challenge})
        return False

    def do_GET(self) -> None:
        if self.path.startswith("/token"):
            self.token_requests.append(self.path)
            good = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != good:
                self._send(401)
                return
            self._send(200, json.dumps({"token": TOKEN}).encode())
            return
        if not self._authorized():
            return
        if self.path == "/v2/":
            self._send(200, b"{}")
            return
        reference = self.path.rsplit("/", 1)[-1]
        if reference not in self.manifests:
            self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
            return
        data, media_type = self.manifests[reference]
        self._send(200, data, {"Content-Type": media_type})

    do_HEAD = do_GET  # noqa: N815 - the http.server naming

    def do_PUT(self) -> None:
        if not self._authorized():
            return
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reference = self.path.rsplit("/", 1)[-1]
        if reference == "broken":
            self._send(500, b'{"errors":[{"code":"UNKNOWN","message":"disk full"}]}')
            return
        self.manifests[reference] = (body, self.headers["Content-Type"])
        self._send(201)

    def do_DELETE(self) -> None:
        if self._authorized():
            self._send(405, b'{"errors":[{"code":"UNSUPPORTED"}]}')


@pytest.fixture
def registry() -> Iterator[str]:
    FakeRegistry.manifests.clear()
    FakeRegistry.token_requests.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_bearer_flow_gets_a_push_token_for_the_repository(registry: str) -> None:
    client = RegistryClient(Repository.parse(f"{registry}/acme/app"), Credentials(USER, PASSWORD))
    client.login()
    assert FakeRegistry.token_requests == ["/token?scope=repository%3Aacme%2Fapp%3Apull%2Cpush&service=fake"]
    assert client.manifest_digest("latest") is None
    client.put_manifest("latest", b"{}", OCI_INDEX)
    found = client.get_manifest("latest")
    assert found is not None
    assert (found.data, found.media_type) == (b"{}", OCI_INDEX)


def test_a_refused_token_request_names_the_registry_and_the_user(registry: str) -> None:
    client = RegistryClient(Repository.parse(f"{registry}/acme/app"), Credentials(USER, "wrong"))
    with pytest.raises(RegistryAuthError, match=f"registry {registry} refused the credentials for user me"):
        client.login()


def test_a_failed_tag_put_puts_the_moved_tags_back_and_names_what_cannot_be_undone(registry: str) -> None:
    client = RegistryClient(Repository.parse(f"{registry}/acme/app"), Credentials(USER, PASSWORD))
    client.login()
    FakeRegistry.manifests["latest"] = (b'{"old":1}', OCI_INDEX)
    previous = {
        "latest": Manifest(data=b'{"old":1}', media_type=OCI_INDEX, digest="sha256:old"),
        "sha-1234567": None,
        "broken": None,
    }
    lines: list[str] = []
    with pytest.raises(PublishError) as caught:
        move_tags(client, ("latest", "sha-1234567", "broken"), b'{"new":1}', previous, lines.append)
    message = caught.value.message
    assert "PUT acme/app manifests/broken answered 500: UNKNOWN: disk full" in message
    assert "the tags moved so far were put back" in message
    assert message.endswith("left pointing at the new image (the registry does not delete tags): sha-1234567")
    assert FakeRegistry.manifests["latest"] == (b'{"old":1}', OCI_INDEX)
    assert "rolled back latest to sha256:old" in lines
