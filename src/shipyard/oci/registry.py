"""A small client for the OCI distribution API: what publishing needs and nothing more.

Ping and log in (Basic, or the Bearer token flow the challenge names), blobs (HEAD, monolithic
upload), manifests (GET/HEAD/PUT/DELETE by tag or digest). Plain http for registries on this
machine or when told the registry is insecure; https otherwise.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from shipyard.errors import PublishError
from shipyard.oci.auth import Challenge, parse_challenge, push_scope
from shipyard.oci.index import digest_of
from shipyard.oci.media import ACCEPT

if TYPE_CHECKING:
    from email.message import Message
    from typing import IO

    from shipyard.oci.auth import Credentials
    from shipyard.oci.reference import Repository

OK, CREATED, ACCEPTED, NOT_FOUND, UNAUTHORIZED, FORBIDDEN = 200, 201, 202, 404, 401, 403


class RegistryUnreachableError(PublishError):
    """The registry did not answer at all."""


class RegistryAuthError(PublishError):
    """The registry refused the credentials (or wants some and none were given)."""


@dataclass(frozen=True, slots=True)
class Response:
    """What the registry answered."""

    status: int
    headers: Message
    body: bytes

    def problem(self) -> str:
        """The registry's own error message, from its `errors` JSON, else the status."""
        try:
            errors = cast("list[dict[str, Any]]", json.loads(self.body).get("errors", []))
            return "; ".join(f"{e.get('code', '')}: {e.get('message', '')}" for e in errors) or str(
                self.status
            )
        except (ValueError, AttributeError):
            return str(self.status)


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest or index as the registry holds it."""

    data: bytes
    media_type: str
    digest: str


class RegistryClient:
    """One repository on one registry, with the credentials to push to it."""

    def __init__(
        self,
        repository: Repository,
        credentials: Credentials | None,
        *,
        insecure: bool = False,
        timeout: float = 60.0,
    ) -> None:
        self.repository = repository
        self.credentials = credentials
        self.scheme = "http" if insecure or repository.local else "https"
        self.base = f"{self.scheme}://{repository.host}"
        self.timeout = timeout
        self._authorization: str | None = None
        # redirects: GET/HEAD follow them (without Authorization: it is an unredirected header),
        # a redirected PUT/POST comes back as an error status
        self._opener = urllib.request.build_opener()

    @property
    def host(self) -> str:
        """The registry host (and port)."""
        return self.repository.host

    # ------------------------------------------------------------------ auth

    def login(self) -> None:
        """Check the registry answers and accepts the credentials for pushing to the repository."""
        response = self._send("GET", "/v2/", authorize=False)
        if response.status == OK:
            return
        if response.status != UNAUTHORIZED:
            raise PublishError(
                f"registry {self.host} answered {response.status} to GET /v2/: {response.problem()}",
                fix="check that it is an OCI registry and the [tool.shipyard.publish] registry setting",
            )
        self._authenticate(parse_challenge(response.headers.get("WWW-Authenticate", "")))
        check = self._send("GET", "/v2/")
        if check.status in {UNAUTHORIZED, FORBIDDEN}:
            raise self._refused()

    def _refused(self) -> RegistryAuthError:
        user = self.credentials.username if self.credentials else "(none)"
        return RegistryAuthError(
            f"registry {self.host} refused the credentials for user {user}",
            fix="check SHIPYARD_REGISTRY_USERNAME and SHIPYARD_REGISTRY_PASSWORD (a token needs push rights)",
        )

    def _authenticate(self, challenge: Challenge) -> None:
        if self.credentials is None:
            raise RegistryAuthError(
                f"registry {self.host} requires credentials",
                fix="set SHIPYARD_REGISTRY_USERNAME and SHIPYARD_REGISTRY_PASSWORD",
            )
        if challenge.scheme == "basic":
            self._authorization = self.credentials.basic()
        elif challenge.scheme == "bearer":
            self._authorization = "Bearer " + self._token(challenge)
        else:
            raise PublishError(
                f"registry {self.host} asks for {challenge.scheme or 'an unknown'} authentication",
                fix="use a registry that supports Basic or Bearer token authentication",
            )

    def _token(self, challenge: Challenge) -> str:
        realm = challenge.params.get("realm")
        if not realm:
            raise PublishError(
                f"registry {self.host} sent a Bearer challenge without a realm", fix="report it"
            )
        query = {"scope": push_scope(self.repository.path)}
        if "service" in challenge.params:
            query["service"] = challenge.params["service"]
        url = f"{realm}{'&' if '?' in realm else '?'}{urllib.parse.urlencode(query)}"
        assert self.credentials is not None  # noqa: S101 - checked by the caller
        response = self._send("GET", url, authorization=self.credentials.basic())
        if response.status in {UNAUTHORIZED, FORBIDDEN}:
            raise self._refused()
        if response.status != OK:
            raise PublishError(
                f"the token service of {self.host} answered {response.status}: {response.problem()}",
                fix="retry later; check the registry's status",
            )
        try:
            body = cast("dict[str, Any]", json.loads(response.body))
        except ValueError as exc:
            raise PublishError(f"the token service of {self.host} sent no JSON", fix="report it") from exc
        token = body.get("token") or body.get("access_token")
        if not isinstance(token, str) or not token:
            raise PublishError(f"the token service of {self.host} sent no token", fix="report it")
        return token

    # ------------------------------------------------------------------ blobs

    def blob_exists(self, digest: str) -> bool:
        """Whether the repository already has the blob."""
        response = self._checked("HEAD", f"blobs/{digest}", expect={OK, NOT_FOUND})
        return response.status == OK

    def upload_blob(self, digest: str, size: int, content: IO[bytes]) -> None:
        """Upload one blob in a single PUT (POST opens the upload, PUT sends it with its digest)."""
        opened = self._checked("POST", "blobs/uploads/", data=b"", expect={ACCEPTED, CREATED})
        location = opened.headers.get("Location")
        if not location:
            raise PublishError(f"registry {self.host} opened an upload without a Location", fix="report it")
        url = urllib.parse.urljoin(self.base + "/", location)
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"digest": digest})
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        done = self._send("PUT", url, data=content, headers=headers)
        if done.status != CREATED:
            raise self._failed("PUT", f"blob {digest[:19]}", done)

    # ------------------------------------------------------------------ manifests

    def get_manifest(self, reference: str) -> Manifest | None:
        """The manifest or index a tag or digest names, or None when there is none."""
        response = self._checked("GET", f"manifests/{reference}", expect={OK, NOT_FOUND}, accept=ACCEPT)
        if response.status == NOT_FOUND:
            return None
        media_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
        digest = response.headers.get("Docker-Content-Digest") or digest_of(response.body)
        return Manifest(data=response.body, media_type=media_type, digest=digest)

    def manifest_digest(self, reference: str) -> str | None:
        """The digest a tag points at, or None when the tag does not exist."""
        response = self._checked("HEAD", f"manifests/{reference}", expect={OK, NOT_FOUND}, accept=ACCEPT)
        if response.status == NOT_FOUND:
            return None
        return response.headers.get("Docker-Content-Digest") or self._digest_by_get(reference)

    def _digest_by_get(self, reference: str) -> str | None:
        manifest = self.get_manifest(reference)
        return manifest.digest if manifest else None

    def put_manifest(self, reference: str, data: bytes, media_type: str) -> str:
        """Store a manifest under a digest or a tag; return its digest."""
        self._checked("PUT", f"manifests/{reference}", data=data, expect={CREATED}, content_type=media_type)
        return digest_of(data)

    def delete_manifest(self, reference: str) -> bool:
        """Delete a tag or a manifest; False when the registry does not allow deleting."""
        response = self._send("DELETE", self._url(f"manifests/{reference}"))
        return response.status in {OK, ACCEPTED}

    # ------------------------------------------------------------------ transport

    def _url(self, path: str) -> str:
        return f"{self.base}/v2/{self.repository.path}/{path}"

    def _checked(
        self,
        method: str,
        path: str,
        *,
        expect: set[int],
        data: bytes | None = None,
        accept: str | None = None,
        content_type: str | None = None,
    ) -> Response:
        headers: dict[str, str] = {}
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        response = self._send(method, self._url(path), data=data, headers=headers)
        if response.status == UNAUTHORIZED and self.credentials is not None:
            # an expired token, or a first request without login(): authenticate and retry once
            self._authenticate(parse_challenge(response.headers.get("WWW-Authenticate", "")))
            response = self._send(method, self._url(path), data=data, headers=headers)
            if response.status == UNAUTHORIZED:
                raise self._refused()
        if response.status not in expect:
            raise self._failed(method, path, response)
        return response

    def _failed(self, method: str, what: str, response: Response) -> PublishError:
        return PublishError(
            f"registry {self.host}: {method} {self.repository.path} {what} answered "
            f"{response.status}: {response.problem()}",
            fix="check the registry's log and that the credentials may push to this repository",
        )

    def _send(
        self,
        method: str,
        url: str,
        *,
        data: bytes | IO[bytes] | None = None,
        headers: dict[str, str] | None = None,
        authorize: bool = True,
        authorization: str | None = None,
    ) -> Response:
        if url.startswith("/"):
            url = self.base + url
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310 - http(s) only: built from self.base or a realm the registry named
        auth = authorization or (self._authorization if authorize else None)
        if auth:
            request.add_unredirected_header("Authorization", auth)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return Response(status=int(answer.status), headers=answer.headers, body=answer.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Response(status=exc.code, headers=exc.headers, body=exc.read())
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RegistryUnreachableError(
                f"cannot reach registry {self.host}: {reason}",
                fix="check the registry address in [tool.shipyard.publish] and that it is up",
            ) from exc
