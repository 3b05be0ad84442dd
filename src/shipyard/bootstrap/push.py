"""Push an `oci.Image` to a local registry over the plain HTTP registry API (no docker involved)."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING

from shipyard.bootstrap.oci import INDEX_TYPE, LAYER_TYPE
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shipyard.bootstrap.oci import Blob, Image


def _request(
    method: str,
    url: str,
    *,
    data: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:  # noqa: S310 - local http registry
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        raise BootstrapError(f"{method} {url} failed: {exc}", fix="check the local registry's log") from exc


def _upload_location(base: str, repo: str) -> str:
    req = urllib.request.Request(f"{base}/v2/{repo}/blobs/uploads/", data=b"", method="POST")  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - local http registry
        location = str(resp.headers["Location"])
    return urllib.parse.urljoin(base, location)


def _push_blob(base: str, repo: str, blob: Blob) -> None:
    if _request("HEAD", f"{base}/v2/{repo}/blobs/{blob.digest}") == 200:  # noqa: PLR2004
        return
    location = _upload_location(base, repo)
    sep = "&" if "?" in location else "?"
    url = f"{location}{sep}digest={urllib.parse.quote(blob.digest)}"
    body: bytes | Iterable[bytes] = blob.data if blob.data is not None else blob.chunks()
    headers = {"Content-Type": "application/octet-stream", "Content-Length": str(blob.size)}
    status = _request("PUT", url, data=body, headers=headers)
    if status != 201:  # noqa: PLR2004
        raise BootstrapError(
            f"pushing {blob.digest} to {repo} answered {status}", fix="check the registry log"
        )


def push(image: Image, registry: str, repo: str, tag: str) -> None:
    """Upload every blob of `image`, its manifests by digest, then the index as `repo:tag`."""
    base = f"http://{registry}"
    for blob in image.all_blobs():
        if blob.media_type == LAYER_TYPE or blob.media_type.endswith("config.v1+json"):
            _push_blob(base, repo, blob)
            continue
        ref = tag if blob.media_type == INDEX_TYPE else blob.digest
        status = _request(
            "PUT",
            f"{base}/v2/{repo}/manifests/{ref}",
            data=blob.data,
            headers={"Content-Type": blob.media_type},
        )
        if status != 201:  # noqa: PLR2004
            raise BootstrapError(f"pushing {repo}:{ref} answered {status}", fix="check the registry log")


def manifest_digest(registry: str, repo: str, tag: str) -> str | None:
    """The digest `repo:tag` resolves to in `registry`, or None when it is not there."""
    req = urllib.request.Request(
        f"http://{registry}/v2/{repo}/manifests/{tag}", method="HEAD", headers={"Accept": INDEX_TYPE}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.headers.get("Docker-Content-Digest")
    except (urllib.error.URLError, OSError):
        return None
