"""The run-level reports `shipyard run` writes, from a RunState built by hand: always, also on failure."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from shipyard.config.load import load_project
from shipyard.gitinfo import GitInfo
from shipyard.parsers.ruff import parse_ruff_check
from shipyard.parsers.trivy import parse_trivy
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.reports.checksums import verify_checksums
from shipyard.reports.markdown import summary_markdown
from shipyard.reports.summary import summary_data
from shipyard.reports.write import write_reports
from shipyard.runner import RunState, StageRun
from shipyard.stages.result import StageResult, Status

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
WEBAPP = load_project(Path(__file__).parents[3] / "examples" / "webapp")
TODAY = dt.date(2026, 11, 22)
GIT = GitInfo(sha="a" * 40, ref="refs/heads/main", committed=None, dirty=True, history="h")
CONTEXT = PlanContext(git=GIT, today=TODAY, host_platform="linux/amd64")
PLAN = build_plan(WEBAPP, CONTEXT, names=("lint", "scan-source"))


def state(results: dict[str, StageResult]) -> RunState:
    runs = {
        s.id: StageRun(stage=s, digest=f"d-{s.id}", result=results.get(s.id), state="done")
        for s in PLAN.stages
    }
    return RunState(runs=runs, started=1_795_000_000.0, finished=1_795_000_042.5)


def write(out_root: Path, run: RunState, error: str | None = None) -> dict[str, object]:
    data = summary_data(
        run, project=WEBAPP, git=GIT, executor="docker", stand_ins=["aquasec/trivy:0.59.1"], error=error
    )
    write_reports(out_root, data, state=run, project=WEBAPP, context=CONTEXT)
    return json.loads((out_root / "summary.json").read_text(encoding="utf-8"))


def test_a_failed_stage_appears_as_failed_in_every_report(tmp_path: Path) -> None:
    (tmp_path / "lint").mkdir()
    shutil.copyfile(TOOLS / "ruff" / "check-violations.json", tmp_path / "lint" / "ruff.json")
    (tmp_path / "scan-source").mkdir()
    shutil.copyfile(
        TOOLS / "trivy" / "fs-secret-misconfig.json", tmp_path / "scan-source" / "trivy-source.json"
    )
    ruff = parse_ruff_check((tmp_path / "lint" / "ruff.json").read_bytes(), source="lint/ruff.json")
    trivy = (tmp_path / "scan-source" / "trivy-source.json").read_bytes()
    run = state(
        {
            "lint": StageResult(
                Status.FAILED,
                "lint failed: 8 violation(s)",
                details=("ruff check: 8 violation(s)",),
                findings=ruff.findings,
            ),
            "scan-source": StageResult(
                Status.FAILED,
                "scan failed",
                counts={"findings": 3},
                findings=parse_trivy(trivy, source="scan-source/trivy-source.json").findings,
            ),
        }
    )
    summary = write(tmp_path, run)

    assert summary["ok"] is False
    stages = {s["id"]: s for s in summary["stages"]}  # pyright: ignore[reportUnknownVariableType, reportGeneralTypeIssues]
    assert stages["lint"]["status"] == "failed"
    assert stages["scan-source"]["status"] == "failed"
    assert summary["seconds"] == 42.5
    assert summary["git"] == {"sha": "a" * 40, "ref": "refs/heads/main", "dirty": True}

    markdown = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert markdown.startswith("## shipyard: webapp 0.3.1 — failed\n")
    assert "| `lint` | ❌ failed | 0.0 s |  | lint failed: 8 violation(s) |" in markdown
    assert "- ruff check: 8 violation(s)" in markdown
    assert "- `aquasec/trivy:0.59.1`" in markdown

    sarif = json.loads((tmp_path / "shipyard.sarif").read_text(encoding="utf-8"))
    tools = {r["tool"]["driver"]["name"] for r in sarif["runs"]}
    assert {"ruff", "trivy"} <= {t.lower() for t in tools}
    assert sum(len(r["results"]) for r in sarif["runs"]) == 8 + 3

    sums = (tmp_path / "SHA256SUMS").read_text(encoding="utf-8")
    for name in (
        "summary.json",
        "summary.md",
        "shipyard.sarif",
        "lint/ruff.json",
        "scan-source/trivy-source.json",
    ):
        assert f"  {name}\n" in sums or f" *{name}\n" in sums
    assert verify_checksums(tmp_path).ok


def test_reports_are_written_when_every_stage_errored(tmp_path: Path) -> None:
    out_root = tmp_path / "never-created"
    reason = "cannot reach the Docker Engine at unix:///var/run/docker.sock (fix: start dockerd)"
    run = state({s.id: StageResult(Status.ERROR, reason) for s in PLAN.stages})
    summary = write(out_root, run, error=reason)
    assert summary["ok"] is False
    assert summary["error"] == reason
    assert {s["status"] for s in summary["stages"]} == {"error"}  # pyright: ignore[reportUnknownVariableType, reportGeneralTypeIssues]
    assert sorted(p.name for p in out_root.iterdir()) == [
        "SHA256SUMS",
        "report.html",
        "shipyard.sarif",
        "summary.json",
        "summary.md",
    ]
    assert f"**Error:** {reason}" in (out_root / "summary.md").read_text(encoding="utf-8")


def test_an_unfinished_stage_is_reported_as_interrupted() -> None:
    run = state({"lint": StageResult(Status.PASSED, "lint passed")})
    run.interrupted = True
    data = summary_data(run, project=WEBAPP, git=GIT, executor="docker", stand_ins=[])
    assert data["ok"] is False
    markdown = summary_markdown(data)
    assert "| `scan-source` | ⏹️ interrupted |" in markdown


def test_a_green_run_is_ok() -> None:
    run = state({s.id: StageResult(Status.PASSED, "fine") for s in PLAN.stages})
    data = summary_data(run, project=WEBAPP, git=GIT, executor="docker", stand_ins=[])
    assert data["ok"] is True
    assert summary_markdown(data).startswith("## shipyard: webapp 0.3.1 — passed\n")
