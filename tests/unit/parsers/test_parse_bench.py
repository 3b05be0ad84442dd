"""pytest-benchmark 5.3.1's JSON (`--benchmark-json`), recorded on examples/library (tools/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.errors import ReportError
from shipyard.parsers.bench import parse_bench

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"


def read(name: str) -> bytes:
    return (TOOLS / name).read_bytes()


def test_every_round_of_every_benchmark_in_seconds() -> None:
    report = parse_bench(read("bench/baseline.json"), source="bench.json")
    assert [b.name for b in report.benchmarks] == ["test_parse", "test_sort"]
    parse = report.benchmarks[0]
    assert parse.fullname == "benchmarks/test_bench.py::test_parse"
    assert len(parse.rounds) == 743
    assert parse.median == pytest.approx(5.594e-06, rel=1e-3)
    assert sorted(parse.rounds)[len(parse.rounds) // 2] == parse.median  # the rounds are the real ones
    assert report.named("benchmarks/test_bench.py::test_sort") is report.benchmarks[1]
    assert report.named("test_sort") is None  # matched by node id, not by name


def test_a_saved_run_without_its_data_is_refused_with_the_flag_that_keeps_it() -> None:
    with pytest.raises(ReportError) as caught:
        parse_bench(read("bench/saved-without-data.json"), source="0001_run.json")
    assert "0001_run.json is not a pytest-benchmark JSON report: benchmarks[0] (test_parse).stats" in str(
        caught.value
    )
    assert "--benchmark-json" in str(caught.value)
    assert "--benchmark-save-data" in str(caught.value)


@pytest.mark.parametrize(
    ("fixture", "says"),
    [
        ("malformed/empty-file.json", "the file is empty"),
        ("malformed/bench-truncated.json", "invalid JSON"),
        ("ruff/check-violations.json", "it looks like a ruff JSON report"),
        ("coverage/coverage.json", "it looks like a coverage.py JSON report"),
    ],
)
def test_empty_truncated_and_other_tools_reports_name_the_file(fixture: str, says: str) -> None:
    with pytest.raises(ReportError) as caught:
        parse_bench(read(fixture), source="out/bench.json")
    assert str(caught.value).startswith("out/bench.json is not a pytest-benchmark JSON report: ")
    assert says in str(caught.value)


def test_a_round_that_is_not_a_time_is_refused() -> None:
    text = read("bench/baseline.json").decode().replace('"data": [', '"data": ["fast", ', 1)
    with pytest.raises(ReportError, match=r"field 'data' holds 'fast', not a round's time in seconds"):
        parse_bench(text, source="bench.json")
