"""Where a package goes: the index's legacy upload URL and the simple index that says what it has."""

from __future__ import annotations

from dataclasses import dataclass

PYPI = "pypi"
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
PYPI_SIMPLE = "https://pypi.org/simple/"


@dataclass(frozen=True, slots=True)
class IndexEndpoints:
    """One package index."""

    upload: str
    """The legacy upload endpoint (`POST` with `:action=file_upload`)."""
    simple: str
    """The simple index root, ending in `/` (`<simple><project>/` lists a project's files)."""

    def project(self, name: str) -> str:
        """The simple page of a project (its normalized name)."""
        return f"{self.simple}{name}/"


def index_endpoints(index: str, index_url: str | None = None) -> IndexEndpoints:
    """`pypi`, or an upload URL whose simple index is `index_url` or `simple/` beneath it."""
    if index == PYPI:
        return IndexEndpoints(upload=PYPI_UPLOAD, simple=_slash(index_url or PYPI_SIMPLE))
    return IndexEndpoints(upload=index, simple=_slash(index_url or f"{_slash(index)}simple/"))


def _slash(url: str) -> str:
    return url if url.endswith("/") else f"{url}/"
