"""Send a run's summary to a `shipyard serve` (standard library only: `shipyard run` needs no extra)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
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


def service_base(url: str) -> str:
    """The service's base URL from what `--report-to` was given (the base or its /api/runs)."""
    return url.rstrip("/").removesuffix("/api/runs")


def fetch_baseline(
    url: str, project: str, *, branch: str, stage: str, timeout: float = TIMEOUT
) -> dict[str, object] | None:
    """GET the project's baseline from the service at `url`; None when it has no green run yet (404).

    Raises OSError with a one-line reason when the service cannot be reached or answers otherwise.
    """
    base = service_base(url)
    if not base.startswith(("http://", "https://")):
        raise OSError(f"--report-to needs an http(s) URL, not {url!r}")
    query = urllib.parse.urlencode({"branch": branch, "stage": stage})
    target = f"{base}/api/projects/{urllib.parse.quote(project)}/baseline?{query}"
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:  # noqa: S310 - checked above
            answer: object = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404:  # noqa: PLR2004 - the service has no such run
            return None
        body = exc.read(2000).decode(errors="replace").strip()
        raise OSError(f"{target} answered {exc.code}: {body or exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise OSError(f"cannot reach {base}: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise OSError(f"{target} answered something that is not JSON: {exc}") from exc
    if not isinstance(answer, dict):
        raise OSError(f"{target} answered JSON that is not an object")
    return cast("dict[str, object]", answer)
