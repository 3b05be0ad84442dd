"""An HTTP client for one package index: read a project's simple page, upload one distribution.

Plain urllib from the shipyard process. Basic auth goes only to the upload host (and to the simple
index when it is on the same host). A redirect to another host is not followed: pypiserver sends a
project it does not have to its fallback index, which is not the index being published to, and a
redirected upload would lose its body (twine refuses those too).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING

from shipyard.errors import PublishError
from shipyard.index.form import multipart
from shipyard.index.simple import ACCEPT, listed_files

if TYPE_CHECKING:
    from email.message import Message

    from shipyard.index.endpoints import IndexEndpoints
    from shipyard.index.form import Distribution
    from shipyard.oci.auth import Credentials

OK = 200
NOT_FOUND = 404
REFUSED = frozenset({401, 403})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
UPLOAD_TIMEOUT = 300.0
"""Seconds one file's upload may take (a large wheel on a slow link)."""
CREDENTIALS_FIX = (
    "check SHIPYARD_INDEX_USERNAME and SHIPYARD_INDEX_PASSWORD "
    "(an API token: username __token__, or leave the username unset)"
)
_TAG = re.compile(r"<[^>]+>")


class IndexUnreachableError(PublishError):
    """The index did not answer at all."""


class _SameHostGets(urllib.request.HTTPRedirectHandler):
    """Follows a GET's redirect on the same host only; anything else comes back as its 3xx."""

    def redirect_request(  # noqa: PLR0917 - urllib's signature
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        same = urllib.parse.urlsplit(newurl).netloc == urllib.parse.urlsplit(req.full_url).netloc
        if req.get_method() != "GET" or not same:
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)  # pyright: ignore[reportArgumentType]


def _problem(exc: urllib.error.HTTPError) -> str:
    """The index's own reason: the status line, else the first line of its body's text."""
    try:
        body = exc.read().decode("utf-8", "replace")
    except OSError:
        body = ""
    lines = [line.strip() for line in _TAG.sub("\n", body).splitlines() if line.strip()]
    reason = str(exc.reason or "").strip()
    detail = next((line for line in lines if line not in {reason, str(exc.code)}), "")
    return f"{exc.code} {reason}" + (f": {detail[:200]}" if detail and detail not in reason else "")


class IndexClient:
    """One index, with the credentials to upload to it."""

    def __init__(self, endpoints: IndexEndpoints, credentials: Credentials, *, timeout: float = 60.0) -> None:
        self.endpoints = endpoints
        self.credentials = credentials
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_SameHostGets())

    def listed(self, project: str) -> tuple[str, ...]:
        """The files the simple index lists for `project` (none when it does not know the project)."""
        url = self.endpoints.project(project)
        headers = {"Accept": ACCEPT}
        if urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(self.endpoints.upload).netloc:
            headers["Authorization"] = self.credentials.basic()
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - an http(s) URL the config checked
        try:
            _, body, content_type = self._send(request, self.endpoints.simple, self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == NOT_FOUND or exc.code in REDIRECTS:  # unknown here (a redirect: elsewhere)
                return ()
            if exc.code in REFUSED:
                raise PublishError(
                    f"the index {self.endpoints.simple} refused to list {project}: {_problem(exc)}",
                    fix=CREDENTIALS_FIX,
                ) from exc
            raise PublishError(
                f"the index {self.endpoints.simple} answered {_problem(exc)} for {url}",
                fix="check [tool.shipyard.publish] index_url names the index's simple root",
            ) from exc
        return listed_files(body, content_type, source=url)

    def upload(self, distribution: Distribution) -> None:
        """POST one file to the legacy upload endpoint; a refusal is a PublishError with the index's why."""
        body, content_type = multipart(
            distribution.fields, distribution.path.name, distribution.path.read_bytes()
        )
        request = urllib.request.Request(  # noqa: S310 - an http(s) URL the config checked
            self.endpoints.upload,
            data=body,
            method="POST",
            headers={"Content-Type": content_type, "Authorization": self.credentials.basic()},
        )
        try:
            status, _, _ = self._send(request, self.endpoints.upload, max(self.timeout, UPLOAD_TIMEOUT))
        except urllib.error.HTTPError as exc:
            if exc.code in REFUSED:
                raise PublishError(
                    f"the index {self.endpoints.upload} refused the credentials of "
                    f"{self.credentials.username} for {distribution.path.name}: {_problem(exc)}",
                    fix=CREDENTIALS_FIX,
                ) from exc
            if exc.code in REDIRECTS:
                raise PublishError(
                    f"the index redirected the upload of {distribution.path.name} to "
                    f"{exc.headers.get('Location', '?')}",
                    fix="set [tool.shipyard.publish] index to the upload URL itself (mind the trailing /)",
                ) from exc
            raise PublishError(
                f"the index {self.endpoints.upload} refused {distribution.path.name}: {_problem(exc)}",
                fix="correct what the index names and re-run (a file it kept needs a new version)",
            ) from exc
        if status != OK:
            raise PublishError(
                f"the index {self.endpoints.upload} answered {status} to {distribution.path.name}",
                fix="check that [tool.shipyard.publish] index is a legacy upload endpoint",
            )

    def _send(self, request: urllib.request.Request, endpoint: str, timeout: float) -> tuple[int, bytes, str]:
        """Status, body and Content-Type; an error status raises HTTPError, no answer is unreachable."""
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                return int(answer.status), answer.read(), str(answer.headers.get("Content-Type", ""))
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise IndexUnreachableError(
                f"the index {endpoint} is unreachable: {reason}",
                fix="start it or check [tool.shipyard.publish] index (and the network), then re-run",
            ) from exc
