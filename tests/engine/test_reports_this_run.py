"""The run-level reports hold this run only, on a real engine with the real CLI (issue 13, item 3).

A copy of examples/library gets a committed AWS key (trivy's secret scan finds it) and an unused
import (ruff finds it). `shipyard run scan` puts trivy's finding into shipyard.sarif; the
`shipyard run lint` after it must report ruff's finding and nothing of the scan, whose folders
stay on disk but are not listed in SHA256SUMS.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from shipyard.reports.checksums import parse_checksums
from tests.engine.helpers import git_copy, shipyard

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

KEY = "AKIA" + "QYLPMN5HHHFPZAM2"  # built at run time: no detectable key is committed here


def planted(tmp_path: Path) -> Path:
    project = git_copy("library", tmp_path)
    (project / "src" / "semverlite" / "settings.py").write_text(
        f'"""Deployment settings."""\n\nimport os\n\naws_access_key_id = "{KEY}"\n', encoding="utf-8"
    )
    git = ("git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.invalid")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "settings"], check=True)
    return project


def rules(out: Path) -> dict[str, set[str]]:
    log = json.loads((out / "shipyard.sarif").read_text(encoding="utf-8"))
    return {run["tool"]["driver"]["name"]: {r["ruleId"] for r in run["results"]} for run in log["runs"]}


def listed(out: Path) -> set[str]:
    return set(parse_checksums((out / "SHA256SUMS").read_text(encoding="utf-8"), source="SHA256SUMS"))


def test_a_lint_run_after_a_scan_run_reports_nothing_of_the_scan(tmp_path: Path) -> None:
    project = planted(tmp_path)
    out = project / ".shipyard" / "out"

    scanned = shipyard("run", "--source", str(project), "--json", "scan")
    assert scanned.returncode != 0, "the committed key fails the scan gate"
    assert "aws-access-key-id" in rules(out).get("Trivy", set()), scanned.stdout[-3000:]
    assert "scan-source/trivy-source.json" in listed(out)

    linted = shipyard("run", "--source", str(project), "--json", "lint")
    assert linted.returncode != 0, "the unused import fails lint"
    summary = json.loads(linted.stdout)
    assert [stage["id"] for stage in summary["stages"]] == ["lint"]
    assert rules(out) == {"Ruff": {"F401"}}, "only this run's findings"
    files = listed(out)
    assert "lint/ruff.json" in files
    assert {"summary.json", "summary.md", "report.html", "shipyard.sarif"} <= files
    assert not any(name.startswith("scan-") for name in files), sorted(files)
    assert (out / "scan-source" / "trivy-source.json").is_file(), "the project's other stages stay on disk"
    for report in ("summary.md", "report.html"):
        assert "scan-source" not in (out / report).read_text(encoding="utf-8")
    sha256sum = subprocess.run(
        ["sha256sum", "--check", "--strict", "SHA256SUMS"],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
    )
    assert sha256sum.returncode == 0, sha256sum.stdout + sha256sum.stderr
