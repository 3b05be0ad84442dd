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


def run_commands(text: str) -> list[str]:
    """The `dagger ...` commands of a workflow's `run: >-` blocks, each folded onto one line."""
    commands: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.strip() != "run: >-":
            continue
        indent = len(lines[number + 1]) - len(lines[number + 1].lstrip())
        block: list[str] = []
        for following in lines[number + 1 :]:
            if not following.strip() or len(following) - len(following.lstrip()) < indent:
                break
            block.append(following.strip())
        if block and block[0].startswith("dagger "):
            commands.append(" ".join(block))
    return commands


def test_the_readme_shows_the_workflows_commands_as_a_toolchain_user_runs_them() -> None:
    readme = (WORKFLOW.parents[2] / "README.md").read_text(encoding="utf-8")
    ours = run_commands(WORKFLOW.read_text(encoding="utf-8"))
    assert len(ours) == 2  # the pipeline and publish
    theirs = run_commands(readme)
    assert theirs == [c.replace("dagger call ", "dagger call shipyard ", 1) for c in ours]


def test_the_readmes_first_dagger_usage_installs_the_toolchain_then_checks() -> None:
    readme = (WORKFLOW.parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using shipyard from your repo with Dagger", 1)[1]
    commands = [line.split("#", 1)[0].strip() for line in section.splitlines() if line.startswith("dagger ")]
    assert commands[:3] == [
        "dagger init",
        "dagger toolchain install github.com/<org>/shipyard@<commit>",
        "dagger check",
    ]
