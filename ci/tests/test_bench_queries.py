"""The `bench` function on examples/library: the core's bench stage, its baseline in and out."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from dagger import dag
from dagger_offline import chain, ctx_chain, find, patch_engine

from shipyard.errors import GateFailedError
from shipyard.stages.spec import OUTDIR
from shipyard_ci import Shipyard

if TYPE_CHECKING:
    from dagger.client._core import Context
    from dagger_offline import Selection

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "examples" / "library"
BENCH = REPO / "tests" / "fixtures" / "tools" / "bench"
SHA = "0123456789abcdef0123456789abcdef01234567"


class BenchEngine:
    """Exports examples/library as the source, a recorded bench.json as the stage's reports."""

    def __init__(self, report: str, baseline: str | None = None) -> None:
        self.report = report
        self.baseline = baseline
        self.queries: list[list[Selection]] = []

    def export(self, sels: list[Selection], dest: Path) -> str:
        """The stage's reports, the baseline file passed in, or the source."""
        if ("directory", {"path": OUTDIR}) in sels:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BENCH / self.report, dest / "bench.json")
        elif ("file", {"path": "baseline.json"}) in sels:
            assert self.baseline is not None
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BENCH / self.baseline, dest)
        else:
            shutil.copytree(LIBRARY, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".shipyard"))
        return str(dest)

    async def execute(self, ctx: Context, return_type: object = None) -> object:
        del return_type
        sels = ctx_chain(ctx)
        self.queries.append(sels)
        leaf, args = sels[-1]
        if leaf == "export":
            return self.export(sels, Path(str(args["path"])))
        if leaf == "exitCode":
            return 0
        if leaf in {"combinedOutput", "stdout"}:
            return ""
        return None


def ship(ref: str) -> Shipyard:
    return Shipyard.create(source=dag.directory().with_new_file("marker", "x"), commit=SHA, ref=ref)


@pytest.mark.anyio
async def test_a_first_run_on_main_returns_the_baseline_it_records(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = BenchEngine("baseline.json")
    patch_engine(monkeypatch, engine)
    out = await ship("refs/heads/main").bench()
    (new_file,) = find(chain(out), "withNewFile")
    assert new_file["path"] == "bench.json"
    assert new_file["contents"] == (BENCH / "baseline.json").read_text(encoding="utf-8")
    images = {q[1][1]["address"] for q in engine.queries if len(q) > 1 and q[1][0] == "from"}
    assert images == {"python:3.13-slim"}  # one Python: the newest of the matrix


@pytest.mark.anyio
async def test_a_branch_compares_with_the_baseline_passed_in_and_records_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patch_engine(monkeypatch, BenchEngine("unchanged.json", baseline="baseline.json"))
    baseline = dag.directory().file("baseline.json")
    out = await ship("refs/heads/feature").bench(baseline=baseline)
    assert find(chain(out), "withNewFile") == []


@pytest.mark.anyio
async def test_a_regression_raises_the_cores_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_engine(monkeypatch, BenchEngine("regressed.json", baseline="baseline.json"))
    baseline = dag.directory().file("baseline.json")
    with pytest.raises(
        GateFailedError, match=r"^bench: failed: bench: failed: test_parse \+509% \(median 34\.1 µs"
    ):
        _ = await ship("refs/heads/feature").bench(baseline=baseline)
