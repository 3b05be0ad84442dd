"""The Docker executor on a real engine: the examples' lint and test matrix, caching, bad input, SIGINT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

SEEDED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def run_json(
    project: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, object]]]:
    done = shipyard("run", "--source", str(project), "--json", *args)
    return done, summary(project)


@pytest.fixture(scope="module")
def webapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return git_copy("webapp", tmp_path_factory.mktemp("webapp"))


def test_lint_and_full_matrix_of_webapp_then_all_cache_hits(webapp: Path) -> None:
    done, stages = run_json(webapp, "lint", "test")
    assert done.returncode == 0, done.stderr[-2000:]
    expected = {"lint", *(f"test-{v}" for v in SEEDED_PYTHONS)}
    assert set(stages) == expected
    for stage_id in expected:
        assert stages[stage_id]["status"] == "passed", stages[stage_id]
        assert stages[stage_id]["cached"] is False
    for version in SEEDED_PYTHONS:
        counts = stages[f"test-{version}"]["counts"]
        assert isinstance(counts, dict)
        assert counts["passed"] == 10
        assert counts["coverage"] >= 80
        assert (webapp / ".shipyard/out" / f"test-{version}" / "junit.xml").is_file()

    # every stage a cache hit: the run needs no engine at all (none is asked: this one is dead)
    again = shipyard(
        "run", "--source", str(webapp), "--json", "lint", "test",
        env={"DOCKER_HOST": "unix:///nonexistent/shipyard-warm.sock"},
    )  # fmt: skip
    cached = summary(webapp)
    assert again.returncode == 0, again.stderr[-2000:]
    assert all(stage["cached"] is True for stage in cached.values()), cached


def test_touching_one_source_file_reruns_only_what_reads_it(webapp: Path) -> None:
    first, _ = run_json(webapp, "lint", "test", "--python", "3.12")
    assert first.returncode == 0, first.stderr[-2000:]
    (webapp / "docs").mkdir(exist_ok=True)
    (webapp / "docs" / "notes.txt").write_text("a docs-only change\n")
    docs_only, stages = run_json(webapp, "lint", "test", "--python", "3.12")
    assert docs_only.returncode == 0
    assert all(stage["cached"] for stage in stages.values()), "a docs-only change re-ran a stage"

    # ruff formats Markdown's code blocks, never its prose: prose is no stage's input
    (webapp / "docs" / "notes.md").write_text("a Markdown change\n")
    prose, stages = run_json(webapp, "lint", "test", "--python", "3.12")
    assert prose.returncode == 0, prose.stderr[-2000:]
    assert all(stage["cached"] for stage in stages.values()), "Markdown prose re-ran a stage"
    # a code block is lint input, never the tests'
    (webapp / "docs" / "notes.md").write_text("a Markdown change\n\n```python\nx = 1\n```\n")
    markdown, stages = run_json(webapp, "lint", "test", "--python", "3.12")
    assert markdown.returncode == 0, markdown.stderr[-2000:]
    assert stages["lint"]["cached"] is False
    assert stages["test-3.12"]["cached"] is True

    test_file = webapp / "tests" / "test_app.py"
    test_file.write_text(
        test_file.read_text() + "\n\ndef test_added_by_the_engine_test() -> None:\n    assert True\n"
    )
    changed, stages = run_json(webapp, "lint", "test", "--python", "3.12")
    assert changed.returncode == 0, changed.stderr[-2000:]
    assert stages["lint"]["cached"] is False
    assert stages["test-3.12"]["cached"] is False
    counts = stages["test-3.12"]["counts"]
    assert isinstance(counts, dict)
    assert counts["passed"] == 11


def test_library_with_pip_installer(tmp_path: Path) -> None:
    library = git_copy("library", tmp_path)
    done, stages = run_json(library, "lint", "test", "--python", "3.10", "--python", "3.13")
    assert done.returncode == 0, done.stderr[-2000:]
    assert stages["test-3.10"]["status"] == "passed"
    assert stages["test-3.13"]["status"] == "passed"
    assert "pip" in str(stages["test-3.13"]["description"])


def test_failing_gate_exits_nonzero_and_still_writes_every_report(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    app = next((project / "src").rglob("app.py"))
    app.write_text(app.read_text() + "\n\ndef _unused() -> None:\n    value = 1\n")
    done, stages = run_json(project, "lint", "test", "--python", "3.12")
    assert done.returncode == 1
    assert stages["lint"]["status"] == "failed"
    assert "F841" in str(stages["lint"]["summary"]) + str(stages["lint"]["details"])
    assert stages["test-3.12"]["status"] == "passed", "a failing lint must not cancel the tests"
    out = project / ".shipyard" / "out"
    for name in (
        "summary.json",
        "summary.md",
        "shipyard.sarif",
        "SHA256SUMS",
        "lint/ruff.json",
        "lint/log.txt",
    ):
        assert (out / name).is_file(), name
    sarif = json.loads((out / "shipyard.sarif").read_text())
    assert any(result["ruleId"] == "F841" for run in sarif["runs"] for result in run["results"])


def _run_containers(run_id: str) -> list[str]:
    listed = subprocess.run(
        [
            "docker",
            "ps",
            "-a",
            "--filter",
            f"label=dev.shipyard.run={run_id}",
            "--format",
            "{{.ID}} {{.Labels}}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in listed.stdout.splitlines() if line.strip()]


def test_debug_opens_a_shell_in_exactly_the_stage_container(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    script = (
        "python --version\n"
        "test -x /opt/shipyard/tools/uv/uv && echo uv-is-there\n"
        "test -f /src/pyproject.toml && echo source-is-there\n"
        'echo "cache=$UV_CACHE_DIR venv=$UV_PROJECT_ENVIRONMENT"\n'
        "pwd\n"
        "exit 7"
    )
    run_id = "debug" + uuid.uuid4().hex[:8]
    done = subprocess.run(
        [sys.executable, "-m", "shipyard", "debug", "test-3.12", "--source", str(project)],
        env={**os.environ, "SHIPYARD_RUN_ID": run_id},
        input=script + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 7, done.stderr[-2000:]
    out = done.stdout
    assert "Python 3.12" in out
    assert "uv-is-there" in out
    assert "source-is-there" in out
    assert "cache=/cache/uv venv=/venv" in out
    assert "/src" in out
    assert "uv sync --locked" in out, "the commands the stage would run are shown"
    assert _run_containers(run_id) == [], "the debug container is removed on exit"
