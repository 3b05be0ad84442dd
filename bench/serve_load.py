"""Load test of `shipyard serve`: a steady rate of ingests on loopback against a server it starts itself.

    uv run python bench/serve_load.py [--rate 200] [--seconds 30] [--json out.json]

Starts `python -m shipyard serve` on 127.0.0.1 (a fresh SQLite database in a temporary directory),
sends `rate` x `seconds` POST /api/runs of a real summary (tests/fixtures/summaries/) on an open-loop
schedule from a pool of keep-alive connections, then prints the achieved rate, the errors and the
P50/P95/P99 latency, and writes them as JSON. Bounded in count (rate x seconds) and in time (the
schedule plus a 60 s grace). Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "summaries" / "webapp-full.json"
HOST = "127.0.0.1"
TOKEN = "bench-token"  # noqa: S105 - a throwaway token for a server this script starts and stops
GRACE = 60.0
CREATED = 201
OK = 200
MAX_REQUESTS = 100_000


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (the same definition as the service's stats)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def start_server(data_dir: str, port: int) -> subprocess.Popen[bytes]:
    """Start `shipyard serve` and wait for /healthz."""
    env = {**os.environ, "SHIPYARD_SERVE_TOKEN": TOKEN}
    env.pop("SHIPYARD_DATABASE_URL", None)
    argv = [sys.executable, "-m", "shipyard", "serve", "--host", HOST, "--port", str(port)]
    proc = subprocess.Popen([*argv, "--data-dir", data_dir], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
                if answer.status == OK:
                    return proc
        except OSError:  # noqa: PERF203 - polling until the server answers
            if proc.poll() is not None:
                raise SystemExit("shipyard serve exited during start-up") from None
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("shipyard serve did not answer /healthz within 60 s")


def bodies(count: int) -> list[bytes]:
    """`count` copies of the real summary, each with its own start time."""
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    out: list[bytes] = []
    for i in range(count):
        base["started"] = (
            f"2026-11-{1 + i // 86400 % 28:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z"
        )
        out.append(json.dumps(base).encode())
    return out


def worker(
    port: int,
    jobs: queue.Queue[tuple[float, bytes] | None],
    results: list[tuple[float, float, int]],
    stop_at: float,
) -> None:
    """Send scheduled ingests on one keep-alive connection; record (due, latency, status)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    while (job := jobs.get()) is not None:
        due, body = job
        if time.monotonic() > stop_at:
            results.append((due, float("nan"), -2))  # not sent: over the time bound
            continue
        time.sleep(max(0.0, due - time.monotonic()))
        sent = time.monotonic()
        try:
            connection.request("POST", "/api/runs", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
            status = -1
        results.append((due, time.monotonic() - sent, status))
    connection.close()


def load(port: int, rate: float, seconds: float, workers: int) -> dict[str, object]:
    """Send `rate` x `seconds` ingests on schedule; return the figures."""
    count = int(rate * seconds)
    payloads = bodies(count)
    jobs: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
    results: list[tuple[float, float, int]] = []
    start = time.monotonic() + 0.5
    stop_at = start + seconds + GRACE
    for i, body in enumerate(payloads):
        jobs.put((start + i / rate, body))
    for _ in range(workers):
        jobs.put(None)
    threads = [threading.Thread(target=worker, args=(port, jobs, results, stop_at)) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, stop_at - time.monotonic() + 35))
    elapsed = time.monotonic() - start
    ok = [latency for _, latency, status in results if status == CREATED]
    errors: dict[str, int] = {}
    for _, _, status in results:
        if status != CREATED:
            errors[str(status)] = errors.get(str(status), 0) + 1
    return {
        "target_rate": rate,
        "seconds": seconds,
        "requests": count,
        "completed": len(results),
        "created": len(ok),
        "errors": errors,
        "elapsed_s": round(elapsed, 2),
        "achieved_rate": round(len(ok) / elapsed, 1) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(percentile(ok, 50) * 1000, 2) if ok else None,
            "p95": round(percentile(ok, 95) * 1000, 2) if ok else None,
            "p99": round(percentile(ok, 99) * 1000, 2) if ok else None,
            "max": round(max(ok) * 1000, 2) if ok else None,
        },
        "body_bytes": len(payloads[0]) if payloads else 0,
        "workers": workers,
        "database": "sqlite (WAL) in a temporary directory",
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    """Run the load test and report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="ingests per second (default 200)")
    parser.add_argument("--seconds", type=float, default=30.0, help="duration (default 30)")
    parser.add_argument("--workers", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if args.rate * args.seconds > MAX_REQUESTS:
        raise SystemExit("refusing more than 100000 requests")
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as data_dir:
        port = free_port()
        server = start_server(data_dir, port)
        try:
            figures = load(port, args.rate, args.seconds, args.workers)
            with urllib.request.urlopen(f"http://{HOST}:{port}/api/projects", timeout=30) as answer:
                figures["stored_runs"] = json.loads(answer.read())["projects"][0]["runs"]
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = json.dumps(figures, indent=2)
    print(text)
    latency = cast("dict[str, float | None]", figures["latency_ms"])
    print(
        f"\n{figures['created']}/{figures['requests']} created at {figures['achieved_rate']}/s "
        f"(target {args.rate:g}/s for {args.seconds:g} s), errors {figures['errors'] or 'none'}; "
        f"latency P50 {latency['p50']} ms, P95 {latency['p95']} ms, P99 {latency['p99']} ms"
    )
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
