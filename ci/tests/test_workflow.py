"""The GitHub workflow lints offline: schema (check-jsonschema) and security (zizmor)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "ci.yml"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: add it to the dev dependency group")
    return found


def test_workflow_matches_the_github_schema() -> None:
    argv = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflow_has_no_zizmor_findings() -> None:
    argv = [tool("zizmor"), "--offline", "--no-progress", str(WORKFLOW)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actions_are_pinned_by_full_sha() -> None:
    for line in WORKFLOW.read_text(encoding="utf-8").splitlines():
        if "uses:" in line:
            ref = line.split("@", 1)[1].split()[0]
            assert len(ref) == 40, line
            assert all(c in "0123456789abcdef" for c in ref), line


def test_dagger_version_is_the_engine_version() -> None:
    engine = json.loads((WORKFLOW.parents[2] / "dagger.json").read_text(encoding="utf-8"))["engineVersion"]
    assert f'version: "{engine}"' in WORKFLOW.read_text(encoding="utf-8")
