"""report.html plots each benchmark's median against the baseline's, from the core's own summary."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from shipyard.baselines import baseline_path
from shipyard.config.load import load_project
from shipyard.gitinfo import NO_GIT
from shipyard.reports.bench_chart import bench_chart, bench_rows
from shipyard.reports.html import summary_html
from shipyard.reports.summary import MAX_ROUNDS, kept_rounds, summary_data
from shipyard.runner import RunState, StageRun
from shipyard.stages.bench import BENCH_ID, bench_stage
from shipyard.stages.outcome import CommandOutcome, StageOutcome

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
LIBRARY = Path(__file__).parents[3] / "examples" / "library"


def bench_run(tmp_path: Path, report: str, *, baseline: str | None) -> Any:
    root = tmp_path / "library"
    shutil.copytree(LIBRARY, root, ignore=shutil.ignore_patterns(".shipyard", ".venv"))
    if baseline is not None:
        target = baseline_path(root, BENCH_ID)
        target.parent.mkdir(parents=True)
        shutil.copyfile(TOOLS / baseline, target)
    project = load_project(root)
    stage = bench_stage(project)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(TOOLS / report, out / "bench.json")
    ran = CommandOutcome(label="bench", argv=("python", "-m", "pytest"), exit_code=0, output_tail="")
    result = stage.evaluate(StageOutcome(stage_id=BENCH_ID, out_dir=out, commands=(ran,)))
    state = RunState(runs={BENCH_ID: StageRun(stage=stage, digest="d", result=result)})
    return summary_data(state, project=project, git=NO_GIT, executor="docker", stand_ins=[])


def benchmarks_section(page: str) -> str:
    found = re.search(r'<section id="benchmarks">(.*?)</section>', page, flags=re.DOTALL)
    assert found is not None
    return found.group(1)


def test_a_regressed_run_is_plotted_against_its_baseline_with_change_and_verdict(tmp_path: Path) -> None:
    data = bench_run(tmp_path, "bench/regressed.json", baseline="bench/baseline.json")
    plot = benchmarks_section(summary_html(data))
    assert plot.count('<rect class="baseline"') == 2
    assert plot.count('<rect class="median"') == 2
    assert "34.1 µs vs 5.59 µs · +509% · regressed" in plot
    assert "171 µs vs 163 µs · +5% · slower" in plot
    assert 'fill="#cf222e"><title>test_parse: median 34.1 µs, regressed' in plot
    assert "<script" not in plot
    assert "http" not in plot.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_without_a_baseline_each_benchmark_is_new_and_has_no_grey_bar(tmp_path: Path) -> None:
    plot = benchmarks_section(summary_html(bench_run(tmp_path, "bench/baseline.json", baseline=None)))
    assert '<rect class="baseline"' not in plot
    assert plot.count("no baseline · new") == 2


def test_a_summary_without_benchmarks_has_no_benchmarks_section() -> None:
    page = summary_html({"project": {"name": "x"}, "stages": [{"id": "lint", "status": "passed"}]})
    assert 'id="benchmarks"' not in page


@pytest.mark.parametrize(
    "entries",
    [
        None,
        "not a list",
        [1, "x", None],
        [{"name": "t", "median": "fast"}],
        [{"name": "t", "median": -1.0}],
        [{"name": "t", "median": 1.0, "baseline_median": True}],
    ],
)
def test_malformed_benchmark_entries_are_left_out(entries: object) -> None:
    assert bench_rows(entries) == []
    assert "no benchmarks in this run" in bench_chart(bench_rows(entries))


def test_the_summary_keeps_at_most_max_rounds_evenly_spaced() -> None:
    rounds = tuple(i / 1e6 for i in range(2500))
    kept = kept_rounds(rounds)
    assert len(kept) <= MAX_ROUNDS
    assert kept[:3] == [0.0, 3e-06, 6e-06]
    assert kept_rounds((1.23456789e-5,)) == [1.23457e-05]
