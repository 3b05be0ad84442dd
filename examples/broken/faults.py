#!/usr/bin/env python3
"""Switch on ONE deliberate fault in a copy of this project (stdlib only).

    python faults.py list
    python faults.py enable <fault> <dir>     # <dir>: a copy of this directory, never the original

With no fault enabled the project passes every shipyard gate. Each fault makes exactly one gate
fail, and that gate's message must name what `list` prints in its last column.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
VULNERABLE_PIN = "pyjwt==2.3.0"
"""PyJWT before 2.4.0: CVE-2022-29217 (GHSA-ffqj-6fqr-9h24, high), algorithm confusion."""


@dataclass(frozen=True)
class Fault:
    name: str
    stage: str
    """The shipyard stage whose gate must fail."""
    names: str
    """What the failing gate's message must name."""
    description: str
    apply: Callable[[Path], None]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if text.count(old) != 1:
        raise SystemExit(
            f"faults.py: expected exactly one {old!r} in {path}; has the project changed?"
        )
    path.write_text(text.replace(old, new))


def _lint(root: Path) -> None:
    (root / "src/broken_app/fault_lint.py").write_text(
        '"""Fault `lint`: an unused import (ruff F401)."""\n\nimport os\n'
    )


def _failing_test(root: Path) -> None:
    (root / "tests/test_fault_failing.py").write_text(
        "def test_fault_failing_test() -> None:\n"
        '    assert 1 + 1 == 3, "deliberate failure: faults.py enable failing-test"\n'
    )


def _coverage(root: Path) -> None:
    steps = "".join(f'    steps.append("step {i}")\n' for i in range(1, 121))
    (root / "src/broken_app/fault_uncovered.py").write_text(
        '"""Fault `coverage`: code no test runs."""\n\n\n'
        "def legacy_report() -> list[str]:\n"
        "    steps: list[str] = []\n"
        f"{steps}"
        "    return steps\n"
    )
    _replace(
        root / "src/broken_app/__init__.py",
        '__version__ = "0.1.0"\n',
        'from broken_app import fault_uncovered as fault_uncovered\n\n__version__ = "0.1.0"\n',
    )


def fake_aws_access_key_id() -> str:
    """A made-up key id in AWS's format, built at run time so this file holds no detectable secret.

    Not AWS's documented example key: gitleaks allowlists keys ending in EXAMPLE.
    """
    body = base64.b32encode(hashlib.sha256(b"shipyard examples/broken: fake").digest()).decode()
    return "AK" + "IA" + body[:16]


def _git(root: Path, *args: str) -> None:
    identity = ["-c", "user.name=Broken Example", "-c", "user.email=broken@example.invalid"]
    subprocess.run(
        ["git", *identity, "-c", "commit.gpgsign=false", *args],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _secret(root: Path) -> None:
    # committed, then deleted: it lives only in git history, where gitleaks looks
    if not (root / ".git").exists():
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "Initial import")
    env_file = root / "deploy/aws.env"
    env_file.parent.mkdir(exist_ok=True)
    env_file.write_text(f"AWS_ACCESS_KEY_ID={fake_aws_access_key_id()}\nAWS_REGION=eu-west-1\n")
    _git(root, "add", "deploy/aws.env")
    _git(root, "commit", "-q", "-m", "Add deploy settings")
    _git(root, "rm", "-q", "deploy/aws.env")
    _git(root, "commit", "-q", "-m", "Remove deploy settings")


def _vulnerable(root: Path) -> None:
    _replace(root / "pyproject.toml", '"pyjwt>=2.10,<3"', f'"{VULNERABLE_PIN}"')
    shutil.copyfile(HERE / "faults/uv-vulnerable.lock", root / "uv.lock")


def _root(root: Path) -> None:
    _replace(root / "Dockerfile", "USER app\n", "")


def _unhealthy(root: Path) -> None:
    _replace(root / "compose.yaml", 'BROKEN_FAIL_HEALTHCHECK: "0"', 'BROKEN_FAIL_HEALTHCHECK: "1"')


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault("lint", "lint", "F401", "unused import in src/broken_app/fault_lint.py", _lint),
        Fault(
            "failing-test",
            "test",
            "test_fault_failing_test",
            "a test that asserts 1 + 1 == 3",
            _failing_test,
        ),
        Fault(
            "coverage",
            "test",
            "coverage floor 80",
            "120 statements no test runs (src/broken_app/fault_uncovered.py)",
            _coverage,
        ),
        Fault(
            "secret",
            "scan",
            "aws-access-token",
            "a fake AWS key id committed to git history (deploy/aws.env), then deleted",
            _secret,
        ),
        Fault(
            "vulnerable",
            "scan",
            "CVE-2022-29217",
            f"{VULNERABLE_PIN} pinned in pyproject.toml and uv.lock",
            _vulnerable,
        ),
        Fault("root", "scan", "DS002", "the Dockerfile's USER line removed: runs as root", _root),
        Fault(
            "unhealthy",
            "compose",
            "app",
            "service app's /healthz answers 503, its healthcheck fails",
            _unhealthy,
        ),
    )
}


def main(argv: list[str]) -> int:
    if argv[:1] == ["list"] and len(argv) == 1:
        print(f"{'fault':<14} {'stage':<8} {'message names':<25} description")
        for f in FAULTS.values():
            print(f"{f.name:<14} {f.stage:<8} {f.names:<25} {f.description}")
        return 0
    if len(argv) == 3 and argv[0] == "enable":
        name, target = argv[1], Path(argv[2]).resolve()
        if name not in FAULTS:
            print(f"unknown fault {name!r}; one of: {', '.join(FAULTS)}", file=sys.stderr)
            return 2
        if target == HERE:
            print("refusing to edit the original project: copy it first", file=sys.stderr)
            return 2
        if not (target / "pyproject.toml").is_file():
            print(f"{target} is not a copy of this project (no pyproject.toml)", file=sys.stderr)
            return 2
        fault = FAULTS[name]
        fault.apply(target)
        print(f"enabled {name} in {target}: the {fault.stage} gate must name {fault.names!r}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
