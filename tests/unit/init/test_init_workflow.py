"""init writes README's one-job workflow, pinned as the repository's own; it lints offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shipyard.init.workflow import (
    BODY,
    DAGGER_VERSION,
    TOOLCHAIN_PLACEHOLDER,
    WORKFLOW_PATH,
    toolchain_commands,
    toolchain_module,
    workflow_text,
)

REPO = Path(__file__).resolve().parents[3]
OURS = (REPO / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")


def _readme_workflow() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The workflow to copy", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def _uses(text: str) -> list[str]:
    return re.findall(r"uses: (\S+ # v[\d.]+)", text)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: it is in the dev dependency group (Python >= 3.11)")
    return found


def test_the_workflow_is_the_one_readme_documents() -> None:
    assert _readme_workflow() == BODY
    assert workflow_text().endswith(BODY)
    assert all(line.startswith("#") for line in workflow_text().removesuffix(BODY).splitlines())


def test_its_actions_are_the_repositorys_own_pins_by_full_sha() -> None:
    assert _uses(BODY) == _uses(OURS)
    assert len(_uses(BODY)) == 4
    assert all(re.fullmatch(r"[\w/-]+@[0-9a-f]{40} # v[\d.]+", use) for use in _uses(BODY))


def test_its_dagger_is_the_modules_engine_version() -> None:
    engine = json.loads((REPO / "dagger.json").read_text(encoding="utf-8"))["engineVersion"]
    assert engine == DAGGER_VERSION
    assert f'version: "{engine}"' in OURS


def _dagger_calls(text: str) -> list[str]:
    """Each `run: >-` block that calls dagger, folded onto one line as YAML folds it."""
    blocks = re.findall(r"run: >-\n((?:\s{10,}\S.*\n)+)", text)
    return [
        " ".join(line.strip() for line in b.splitlines()) for b in blocks if b.strip().startswith("dagger ")
    ]


def test_its_dagger_calls_are_the_repositorys_as_a_toolchain_user_runs_them() -> None:
    ours = _dagger_calls(OURS)
    assert len(ours) == 2  # the pipeline and publish
    assert _dagger_calls(BODY) == [c.replace("dagger call ", "dagger call shipyard ", 1) for c in ours]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / WORKFLOW_PATH
    path.parent.mkdir(parents=True)
    path.write_text(workflow_text(), encoding="utf-8")
    return path


def test_it_matches_githubs_workflow_schema_offline(written: Path) -> None:
    argv = [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(written)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_offline_finds_nothing(written: Path) -> None:
    argv = [_tool("zizmor"), "--offline", "--no-progress", str(written)]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (
            '{"url": "https://github.com/acme/shipyard.git", "vcs_info": {"vcs": "git", "commit_id": "'
            + "a" * 40
            + '"}}',
            "github.com/acme/shipyard@" + "a" * 40,
        ),
        ('{"url": "file:///src/shipyard", "dir_info": {"editable": true}}', TOOLCHAIN_PLACEHOLDER),
        ("not json", TOOLCHAIN_PLACEHOLDER),
        (None, TOOLCHAIN_PLACEHOLDER),
    ],
)
def test_the_toolchain_line_names_the_commit_shipyard_was_installed_from(
    direct_url: str | None, expected: str
) -> None:
    assert toolchain_module(direct_url) == expected


def test_dagger_init_comes_first_only_without_a_dagger_json() -> None:
    assert toolchain_commands(has_dagger_json=False)[0] == "dagger init"
    (only,) = toolchain_commands(has_dagger_json=True)
    assert only.startswith("dagger toolchain install github.com/")
