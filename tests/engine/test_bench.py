"""examples/library's benchmarks as a gate: a run on main records the baseline, a slower branch fails."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, cast

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.engine]

GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@example.invalid")
NO_CI_REF = {"GITHUB_REF": ""}
"""The ref comes from the copy's own git (a CI job's GITHUB_REF would name the job's)."""
THRESHOLD = ('threshold = "10%"', 'threshold = "200%"')
"""Far above what a shared, loaded host's noise does to the untouched benchmark (+85% seen at load 4
on 2 cores), far below the injected regression (about +2000%): the test checks the gate, not the host."""
PARSE = '        match = _SEMVER.match(text.strip().removeprefix("v"))\n'
SLOWER = "        sum(i * i for i in range(2000))  # a regression injected on purpose\n"


def _git(project: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=project, check=True, capture_output=True)


def test_main_records_the_baseline_and_a_slower_branch_fails_naming_the_benchmark(tmp_path: Path) -> None:
    project = git_copy("library", tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(*THRESHOLD), encoding="utf-8")
    _git(project, "commit", "-qam", "a threshold for a shared host")
    baseline = project / ".shipyard" / "baselines" / "bench.json"

    first = shipyard("run", "bench", "--source", str(project), env=NO_CI_REF, timeout=300)

    bench = summary(project)["bench"]
    assert first.returncode == 0, first.stdout + first.stderr
    assert bench["status"] == "passed"
    assert str(bench["summary"]).startswith("bench: passed: no baseline yet (2 benchmark(s) ran"), bench
    assert baseline.is_file(), first.stdout
    assert "baseline recorded" in first.stdout

    _git(project, "checkout", "-q", "-b", "slower-parse")
    module = project / "src" / "semverlite" / "version.py"
    text = module.read_text(encoding="utf-8")
    assert PARSE in text
    module.write_text(text.replace(PARSE, SLOWER + PARSE), encoding="utf-8")
    _git(project, "commit", "-qam", "parse does needless work")
    recorded = baseline.read_bytes()

    second = shipyard("run", "bench", "--source", str(project), env=NO_CI_REF, timeout=300)

    bench = summary(project)["bench"]
    assert second.returncode != 0, second.stdout
    assert bench["status"] == "failed", bench
    verdict = str(bench["summary"])
    assert verdict.startswith("bench: failed: test_parse +"), verdict
    assert "test_sort" not in verdict  # sorting never parses: it did not regress
    assert "(median " in verdict, verdict
    assert " vs " in verdict, verdict
    assert "p<0.001)" in verdict, verdict
    details = cast("list[str]", bench["details"])
    assert any(line.startswith("test_sort: median ") and ", baseline " in line for line in details), details
    assert baseline.read_bytes() == recorded  # a branch never replaces main's baseline
