"""A project's files as a simple index lists them: PEP 691 JSON or PEP 503 HTML, parsed.

Pure functions over the page an index served; the client (index.client) fetches it.
"""

from __future__ import annotations

import json
import urllib.parse
from html.parser import HTMLParser
from typing import Any, cast

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from shipyard.errors import PublishError

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
"""PEP 691's content negotiation: JSON when the index has it, else HTML."""


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            path = urllib.parse.urlsplit(href).path
            self.names.append(urllib.parse.unquote(path.rsplit("/", 1)[-1]))


def listed_files(body: bytes, content_type: str, *, source: str) -> tuple[str, ...]:
    """The file names a project page lists (JSON `files[].filename`, or the HTML anchors' names)."""
    if content_type.split(";", 1)[0].strip() == JSON_TYPE:
        try:
            data = cast("dict[str, Any]", json.loads(body))
            files = cast("list[dict[str, Any]]", data.get("files", []))
            return tuple(str(entry["filename"]) for entry in files)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise PublishError(
                f"{source} is not a PEP 691 project page: {exc}",
                fix="check [tool.shipyard.publish] index_url names the index's simple root",
            ) from exc
    parser = _Anchors()
    parser.feed(body.decode("utf-8", "replace"))
    return tuple(parser.names)


def file_version(filename: str, project: str) -> Version | None:
    """The version a wheel or sdist of `project` carries; None for other files or projects."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return version if name == canonicalize_name(project) else None


def files_of_version(listed: tuple[str, ...], project: str, version: str) -> tuple[str, ...]:
    """The listed files of `project` at `version` (versions compared as PEP 440 says)."""
    wanted = Version(version)
    return tuple(name for name in listed if file_version(name, project) == wanted)
