"""Headless Chromium renders report.html (file://) and the history page (`shipyard serve` on loopback).

The DOM after rendering must hold the charts' SVG elements; screenshots go to
.shipyard/test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from shipyard.reports.html import summary_html
from shipyard.serve.client import send_summary
from tests.engine.helpers import REPO

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / ".shipyard" / "test-artifacts"
FIXTURES = REPO / "tests" / "fixtures" / "summaries"
TOKEN = f"browser-{uuid.uuid4().hex}"


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "chromium is not installed (apt-get install -y chromium; scripts/dev.sh test does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def browse(url: str, tmp_path: Path, *extra: str) -> str:
    argv = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *extra,
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(url: str, tmp_path: Path, name: str, height: int = 900) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    target.unlink(missing_ok=True)
    browse(url, tmp_path, f"--screenshot={target}", f"--window-size=1280,{height}", "--hide-scrollbars")
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000  # a rendered page, not a blank one
    return target


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_report_html_renders_its_charts(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(summary_html(load("webapp-full.json")), encoding="utf-8")
    dom = browse(page.as_uri(), tmp_path, "--dump-dom")
    assert dom.count("<svg") == 5
    assert dom.count('class="span"') == 12  # one timeline bar per started stage
    assert "Python 3.13" in dom
    screenshot(page.as_uri(), tmp_path, "report.png", height=1800)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "SHIPYARD_SERVE_TOKEN": TOKEN}
    env.pop("SHIPYARD_DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "shipyard", "serve", "--host", "127.0.0.1", "--port", str(port)),
            *("--data-dir", str(tmp_path / "data")),
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        break
            except OSError:
                assert proc.poll() is None, "shipyard serve exited"
                assert time.monotonic() < deadline, "shipyard serve did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def history() -> list[Any]:
    """Twelve runs of the real summaries: test-3.12 slows down at the end, lint is flaky."""
    runs: list[Any] = []
    for i in range(12):
        data = copy.deepcopy(load("webapp-cached.json" if i % 4 == 2 else "webapp-full.json"))
        data["started"] = f"2026-11-{10 + i:02d}T09:00:00Z"
        for stage in data["stages"]:
            if stage["id"] == "test-3.12" and not stage["cached"]:
                stage["seconds"] = 9.5 if i == 11 else 4.5 + (i % 3) * 0.3
            if stage["id"] == "lint" and i in {4, 5}:
                stage["status"] = "failed" if i == 5 else "passed"
            if stage["group"] == "scan" and i >= 6:
                stage["counts"] = {**stage["counts"], "high": i - 5, "medium": 2 * (i - 5), "low": 4}
        runs.append(data)
    return runs


def test_the_history_page_renders_its_charts(serve: str, tmp_path: Path) -> None:
    for data in history():
        send_summary(serve, data, token=TOKEN)
    url = f"{serve}/projects/webapp"
    dom = browse(url, tmp_path, "--dump-dom")
    assert dom.count("<svg") >= 2 + 12  # run duration, vulnerabilities, a sparkline per stage
    assert "REGRESSION" in dom
    assert "test-3.12" in dom
    assert "<polyline" in dom
    screenshot(url, tmp_path, "history.png", height=2400)
