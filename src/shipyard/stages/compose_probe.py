"""One HTTP or TCP probe attempt, reported as facts: the status code, the body, or the error.

Both executors observe probes with this code: the Docker executor calls `observe` in-process,
the Dagger module runs this file's source with `python -c` in a Python container bound to its
dockerd service. So it imports the standard library only and runs on every Python the matrix has.
Usage as a script: `python compose_probe.py http|tcp HOST PORT PATH TIMEOUT LIMIT`; it prints
one JSON object {"status", "body", "error", "seconds"} and exits 0 whatever the answer was.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import time
import urllib.error
import urllib.request


def observe(kind: str, host: str, port: int, *, path: str, timeout: float, limit: int) -> dict[str, object]:
    """What one attempt saw: {"status": int | None, "body": str, "error": str, "seconds": float}."""
    started = time.monotonic()
    status: int | None = None
    body = b""
    error = ""
    try:
        if kind == "tcp":
            with socket.create_connection((host, port), timeout=timeout):
                pass
        else:
            url = f"http://{host}:{port}{path}"
            try:
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    status, body = int(response.status), response.read(limit)
            except urllib.error.HTTPError as exc:
                status, body = exc.code, exc.read(limit)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        reason: object = getattr(exc, "reason", None) or exc
        error = f"{host}:{port}: {reason}"
    return {
        "status": status,
        "body": body.decode("utf-8", "replace"),
        "error": error,
        "seconds": round(time.monotonic() - started, 3),
    }


def read_reply(stdout: str, exit_code: int) -> dict[str, object]:
    """The fields one run of this script printed; a run that printed something else becomes an error."""
    lines = stdout.strip().splitlines()
    try:
        reply: object = json.loads(lines[-1]) if lines else None
    except ValueError:
        reply = None
    if isinstance(reply, dict):
        status, body, error, seconds = (reply.get(k) for k in ("status", "body", "error", "seconds"))  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if (
            (status is None or (isinstance(status, int) and not isinstance(status, bool)))
            and isinstance(body, str)
            and isinstance(error, str)
            and isinstance(seconds, int | float)
        ):
            return {"status": status, "body": body, "error": error, "seconds": float(seconds)}
    shown = stdout.strip()[-200:] or "nothing"
    return {"error": f"the probe helper exited {exit_code} and printed {shown!r}, not its JSON reply"}


def main(argv: list[str]) -> int:
    """Run one attempt from command-line arguments and print its JSON."""
    kind, host, port, path, timeout, limit = argv
    print(json.dumps(observe(kind, host, int(port), path=path, timeout=float(timeout), limit=int(limit))))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
