"""OCI image labels (org.opencontainers.image.*) from the build's inputs."""

from __future__ import annotations

import datetime as dt
import re

from shipyard.errors import PublishError

_PREFIX = "org.opencontainers.image."
_REVISION = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def rfc3339(moment: dt.datetime) -> str:
    """A timezone-aware moment as RFC 3339 in UTC, to the second: `2026-11-22T10:00:00Z`."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PublishError(
            f"the image creation time {moment.isoformat()} has no timezone",
            fix="pass an aware datetime, e.g. datetime.now(timezone.utc) or the commit time",
        )
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def oci_labels(
    *,
    source: str,
    revision: str,
    created: dt.datetime,
    title: str,
    version: str | None = None,
    description: str | None = None,
    licenses: str | None = None,
) -> dict[str, str]:
    """The OCI annotation labels for an image, sorted by key; optional ones only when given.

    `source` is the repository URL, `revision` the full commit sha, `version` the release version
    (or any tag-like version; omitted when None), `licenses` an SPDX expression.
    """
    if not source.startswith(("https://", "http://")):
        raise PublishError(
            f"image source {source!r} is not an http(s) URL",
            fix="pass the repository URL, e.g. https://github.com/acme/app",
        )
    if _REVISION.match(revision) is None:
        raise PublishError(
            f"image revision {revision!r} is not a full commit sha",
            fix="pass the full sha, e.g. from `git rev-parse HEAD` or GITHUB_SHA",
        )
    if not title.strip():
        raise PublishError("the image title is empty", fix="pass the project name as the title")
    labels = {
        "source": source,
        "revision": revision,
        "created": rfc3339(created),
        "title": title,
        "version": version,
        "description": description,
        "licenses": licenses,
    }
    return {_PREFIX + key: value for key, value in sorted(labels.items()) if value}
