"""Two local registries from Debian's docker-registry: plain on :5000, htpasswd-protected on :5001."""

from __future__ import annotations

import os
import secrets
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from shipyard.bootstrap.procs import read_pid, spawn_daemon
from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.bootstrap.daemons import Started
    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings

USER = "shipyard"


def v2_status(address: str) -> int | None:
    """HTTP status of `GET http://address/v2/` without credentials, or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=3) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _config(address: str, root: Path, htpasswd: Path | None) -> str:
    auth = f"auth:\n  htpasswd:\n    realm: shipyard\n    path: {htpasswd}\n" if htpasswd is not None else ""
    return (
        "version: 0.1\nlog:\n  level: info\nstorage:\n  cache:\n    blobdescriptor: inmemory\n"
        f"  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: {address}\n  headers:\n    X-Content-Type-Options: [nosniff]\n{auth}"
    )


def ensure_credentials(settings: Settings) -> Path:
    """Create the `shipyard` user's random password (0600 credentials file) and its bcrypt htpasswd."""
    htpasswd = settings.state_dir / "registry-auth" / "htpasswd"
    creds = settings.credentials_file
    if creds.exists() and htpasswd.exists():
        return htpasswd
    password = secrets.token_urlsafe(24)
    line = run(["htpasswd", "-B", "-b", "-n", USER, password]).strip()
    htpasswd.parent.mkdir(parents=True, exist_ok=True)
    htpasswd.write_text(line + "\n", encoding="utf-8")
    fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"{USER}:{password}\n")
    creds.chmod(0o600)
    return htpasswd


def _wait(address: str, expect: int, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if v2_status(address) == expect:
            return
        time.sleep(0.25)
    raise BootstrapError(f"the registry on {address} did not answer {expect} within 20 s", fix=f"read {log}")


def _ensure_one(
    *, name: str, address: str, htpasswd: Path | None, s: tuple[Settings, Started, Report]
) -> None:
    """Start registry `name` on `address` unless ours already serves there."""
    settings, started, report = s
    expect = 401 if htpasswd is not None else 200
    pid_file = settings.state_dir / f"{name}.pid"
    if read_pid(pid_file) is not None and v2_status(address) == expect:
        report.present(f"{name} {address}")
        return
    home = settings.state_dir / name
    log = settings.state_dir / f"{name}.log"
    with report.step(f"{name} {address}", "started"):
        (home / "data").mkdir(parents=True, exist_ok=True)
        config = home / "config.yml"
        config.write_text(_config(address, home / "data", htpasswd), encoding="utf-8")
        pid = spawn_daemon(["docker-registry", "serve", str(config)], log=log, pid_file=pid_file)
        started.pids.append(pid)
        _wait(address, expect, log)


def ensure_registries(settings: Settings, started: Started, report: Report) -> None:
    """Start both registries (each only if not already serving) and check they answer as expected."""
    _ensure_one(name="registry", address=settings.registry, htpasswd=None, s=(settings, started, report))
    htpasswd = ensure_credentials(settings)
    _ensure_one(
        name="registry-auth", address=settings.auth_registry, htpasswd=htpasswd, s=(settings, started, report)
    )
