"""The run-level reports hold this run and only this run: never what earlier runs left in the folder.

The output folder is built like the one a full run leaves behind (scan reports with findings, a
stage the project no longer has, the old run-level reports); then a `shipyard run lint` is written
into it. The stages' results come from the real evaluate functions over recorded tool output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

from shipyard.config.load import load_project
from shipyard.config.models import AllowlistEntry
from shipyard.gitinfo import GitInfo
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.reports.checksums import parse_checksums, verify_checksums
from shipyard.reports.stage_dirs import is_stage_id, project_stage_ids, remove_stale
from shipyard.reports.summary import summary_data
from shipyard.reports.write import RUN_REPORTS, write_reports
from shipyard.runner import RunState, StageRun
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import StageResult, Status

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
WEBAPP = load_project(Path(__file__).parents[3] / "examples" / "webapp")
TODAY = dt.date(2026, 11, 22)
GIT = GitInfo(sha="b" * 40, ref="refs/heads/main", committed=None, dirty=False, history="h")
CONTEXT = PlanContext(git=GIT, today=TODAY, host_platform="linux/amd64")
LEFTOVERS = {
    "scan-source/trivy-source.json": "trivy/fs-secret-misconfig.json",
    "scan-history/gitleaks.json": "gitleaks/report.json",
    "test-3.9/junit.xml": "pytest/junit-passing.xml",  # 3.9 is not in the webapp's matrix
    "shipyard.sarif": "trivy/fs-secret-misconfig.sarif",
}


def ran(label: str, code: int = 0) -> CommandOutcome:
    return CommandOutcome(label=label, argv=(label,), exit_code=code)


def earlier_run(out_root: Path) -> None:
    """What a full run left: scan reports with findings, a dropped Python's folder, its own reports."""
    for name, fixture in LEFTOVERS.items():
        (out_root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TOOLS / fixture, out_root / name)
    old = {"schema": "shipyard.summary/v1", "stages": [{"id": "scan-source"}, {"id": "test-3.9"}]}
    (out_root / "summary.json").write_text(json.dumps(old), encoding="utf-8")
    (out_root / "SHA256SUMS").write_text(f"{'0' * 64}  scan-source/trivy-source.json\n", encoding="utf-8")
    (out_root / "notes").mkdir()
    (out_root / "notes" / "mine.txt").write_text("the user's, not a stage's", encoding="utf-8")


def evaluated(stage_id: str, out_root: Path, files: dict[str, str], *labels: str) -> StageResult:
    """The stage's real evaluate function over recorded reports copied into its folder."""
    out_dir = out_root / stage_id
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, fixture in files.items():
        shutil.copyfile(TOOLS / fixture, out_dir / name)
    stage = build_plan(WEBAPP, CONTEXT, names=(stage_id,)).get(stage_id)
    return stage.evaluate(StageOutcome(stage_id, out_dir, tuple(ran(label) for label in labels)))


def write(out_root: Path, results: dict[str, StageResult], *, cached: bool = False) -> RunState:
    plan = build_plan(WEBAPP, CONTEXT, names=tuple(results))
    runs = {
        s.id: StageRun(stage=s, digest=f"d-{s.id}", state="done", result=results[s.id], cached=cached)
        for s in plan.stages
    }
    state = RunState(runs=runs, started=1_795_000_000.0, finished=1_795_000_010.0)
    data = summary_data(state, project=WEBAPP, git=GIT, executor="docker", stand_ins=[])
    write_reports(out_root, data, state=state, project=WEBAPP, context=CONTEXT)
    return state


def sarif_rules(out_root: Path) -> dict[str, list[str]]:
    log = json.loads((out_root / "shipyard.sarif").read_text(encoding="utf-8"))
    return {run["tool"]["driver"]["name"]: [r["ruleId"] for r in run["results"]] for run in log["runs"]}


def listed(out_root: Path) -> list[str]:
    return sorted(parse_checksums((out_root / "SHA256SUMS").read_text(encoding="utf-8"), source="SHA256SUMS"))


LINT_FILES = {"ruff.json": "ruff/check-violations.json", "ruff-format.txt": "ruff/format-check-clean.txt"}


def test_a_lint_run_after_a_full_run_reports_lint_only(tmp_path: Path) -> None:
    earlier_run(tmp_path)
    lint = evaluated("lint", tmp_path, LINT_FILES, "ruff-check", "ruff-format")
    assert lint.status is Status.FAILED
    assert len(lint.findings) == 8
    write(tmp_path, {"lint": lint})

    assert sarif_rules(tmp_path).keys() == {"Ruff"}, "no trivy or gitleaks finding of the earlier scans"
    assert len(sarif_rules(tmp_path)["Ruff"]) == 8
    assert listed(tmp_path) == [
        "lint/ruff-format.txt",
        "lint/ruff.json",
        "report.html",
        "shipyard.sarif",
        "summary.json",
        "summary.md",
    ]
    assert verify_checksums(tmp_path, include=(*RUN_REPORTS, "lint")).ok
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in summary["stages"]] == ["lint"]
    for report in ("summary.md", "report.html"):
        text = (tmp_path / report).read_text(encoding="utf-8")
        assert "scan-source" not in text
        assert "scan-history" not in text
    # the project's other stages stay on disk for a later run; a stage it no longer has is removed
    assert (tmp_path / "scan-source" / "trivy-source.json").is_file()
    assert (tmp_path / "scan-history" / "gitleaks.json").is_file()
    assert not (tmp_path / "test-3.9").exists()
    assert (tmp_path / "notes" / "mine.txt").is_file()


def test_a_scan_run_reports_its_findings_and_the_allowlisted_ones_as_suppressed(tmp_path: Path) -> None:
    entry = AllowlistEntry(
        id="aws-access-key-id", reason="a documented test key", expires=dt.date(2027, 1, 1)
    )
    scan = WEBAPP.config.scan.model_copy(update={"allowlist": (entry,)})
    project = dataclasses.replace(WEBAPP, config=WEBAPP.config.model_copy(update={"scan": scan}))
    out_dir = tmp_path / "scan-source"
    out_dir.mkdir()
    shutil.copyfile(TOOLS / "trivy" / "fs-secret-misconfig.json", out_dir / "trivy-source.json")
    shutil.copyfile(TOOLS / "trivy" / "fs-clean.json", out_dir / "trivy-deps.json")
    stage = build_plan(project, CONTEXT, names=("scan-source",)).get("scan-source")
    result = stage.evaluate(StageOutcome("scan-source", out_dir, (ran("secret,misconfig"), ran("vuln"))))
    assert [s.finding.id for s in result.suppressed] == ["aws-access-key-id"]
    write(tmp_path, {"scan-source": result})

    log = json.loads((tmp_path / "shipyard.sarif").read_text(encoding="utf-8"))
    (trivy,) = log["runs"]
    suppressed = [r["ruleId"] for r in trivy["results"] if r.get("suppressions")]
    assert suppressed == ["aws-access-key-id"]
    assert len(trivy["results"]) == len(result.findings) + 1


def test_a_cache_hit_reports_the_cached_runs_findings(tmp_path: Path) -> None:
    lint = evaluated("lint", tmp_path, LINT_FILES, "ruff-check", "ruff-format")
    (tmp_path / "lint" / "ruff.json").unlink()  # the reports are not read again: the verdict carries them
    write(tmp_path, {"lint": lint}, cached=True)
    assert len(sarif_rules(tmp_path)["Ruff"]) == 8
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["stages"][0]["cached"] is True


def test_an_interrupted_or_errored_stage_contributes_no_findings(tmp_path: Path) -> None:
    earlier_run(tmp_path)
    shutil.copytree(tmp_path / "scan-source", tmp_path / "lint")  # junk where lint's report would be
    write(tmp_path, {"lint": StageResult(Status.ERROR, "ruff-check wrote no ruff.json")})
    assert sarif_rules(tmp_path) == {}
    assert "lint/trivy-source.json" in listed(tmp_path), "this run's stage folder is listed as it is"


def test_stale_folders_are_removed_only_in_a_folder_shipyard_wrote(tmp_path: Path) -> None:
    (tmp_path / "test-3.9").mkdir()
    known = project_stage_ids(WEBAPP, CONTEXT)
    assert remove_stale(tmp_path, known, marker="summary.json") == []
    assert (tmp_path / "test-3.9").is_dir()
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / "test-3.12").mkdir()
    assert remove_stale(tmp_path, known, marker="summary.json") == ["test-3.9"]
    assert (tmp_path / "test-3.12").is_dir()


def test_stage_ids_and_the_projects_stages() -> None:
    assert {"lint", "publish", "compose", "test-3.10", "build-linux-arm64", "scan-image"} <= set(
        project_stage_ids(WEBAPP, CONTEXT)
    )
    assert [is_stage_id(n) for n in ("lint", "test-3.9", "scan-x", "notes", "tests", "lint.txt")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
