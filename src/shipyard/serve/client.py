"""Send a run's summary to a `shipyard serve` (standard library only: `shipyard run` needs no extra)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import cast

TIMEOUT = 15.0


def send_summary(url: str, data: dict[str, object], *, token: str | None, timeout: float = TIMEOUT) -> str:
    """POST the summary to `url` (the service's base URL or its /api/runs); return the stored run's URL.

    Raises OSError (urllib's errors included) with a one-line reason when the service refuses or
    cannot be reached.
    """
    target = url.rstrip("/")
    if not target.endswith("/api/runs"):
        target += "/api/runs"
    if not target.startswith(("http://", "https://")):
        raise OSError(f"--report-to needs an http(s) URL, not {url!r}")
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        target, data=json.dumps(data).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer: object = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read(2000).decode(errors="replace").strip()
        raise OSError(f"{target} answered {exc.code}: {body or exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise OSError(f"cannot reach {target}: {getattr(exc, 'reason', exc)}") from exc
    run_url = cast("dict[str, object]", answer).get("url", "") if isinstance(answer, dict) else ""
    return target.removesuffix("/api/runs") + str(run_url)
