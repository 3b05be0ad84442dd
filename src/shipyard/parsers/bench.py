"""pytest-benchmark's JSON report (`--benchmark-json`): each benchmark's rounds, in seconds.

`--benchmark-json` always writes every round's time (`stats.data`, seconds per iteration); a file
of `--benchmark-save` holds them only with `--benchmark-save-data`, and without them no
distribution can be compared: such a file is refused with that fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.parsers._json import Fields, as_list, as_object, load_json, wrong_report

_EXPECTED = "a pytest-benchmark JSON report"


@dataclass(frozen=True, slots=True)
class Benchmark:
    """One benchmark's rounds."""

    name: str
    """The test's name, e.g. `test_parse` (with its parameters, `test_parse[long]`)."""
    fullname: str
    """Its node id, e.g. `benchmarks/test_bench.py::test_parse`: what runs are matched by."""
    rounds: tuple[float, ...]
    """Seconds per iteration of each round, in the order they ran."""
    median: float
    """The median of `rounds`, as pytest-benchmark computed it."""


@dataclass(frozen=True, slots=True)
class BenchReport:
    """Every benchmark of one run."""

    source: str
    """The file it was read from."""
    benchmarks: tuple[Benchmark, ...]
    """In report order."""

    def named(self, fullname: str) -> Benchmark | None:
        """The benchmark with that node id, or None."""
        return next((b for b in self.benchmarks if b.fullname == fullname), None)


def parse_bench(data: bytes | str, *, source: str) -> BenchReport:
    """Parse `pytest --benchmark-json` output: `benchmarks[].stats.data` and `stats.median`."""
    document = load_json(data, source=source, expected=_EXPECTED)
    obj = as_object(document)
    entries = as_list(obj.get("benchmarks")) if obj is not None else None
    if obj is None or entries is None or "machine_info" not in obj:
        raise wrong_report(
            document, source=source, expected=_EXPECTED, want="an object with 'machine_info' and 'benchmarks'"
        )
    return BenchReport(
        source=source,
        benchmarks=tuple(_benchmark(entry, source, index) for index, entry in enumerate(entries)),
    )


def _benchmark(entry: object, source: str, index: int) -> Benchmark:
    fields = Fields(entry, source=source, expected=_EXPECTED, where=f"benchmarks[{index}]")
    name = fields.text("name")
    stats = fields.child("stats", f"benchmarks[{index}] ({name}).stats")
    if "data" not in stats.obj:
        raise stats.error(
            "has no rounds' data: write the report with --benchmark-json "
            "(a --benchmark-save file holds the rounds only with --benchmark-save-data)"
        )
    rounds: list[float] = []
    for value in stats.items("data", required=True):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise stats.error(f"field 'data' holds {value!r}, not a round's time in seconds")
        rounds.append(float(value))
    if not rounds:
        raise stats.error("field 'data' holds no rounds")
    return Benchmark(
        name=name, fullname=fields.text("fullname"), rounds=tuple(rounds), median=stats.number("median")
    )
