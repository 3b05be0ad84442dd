"""The scan, SBOM and build stages' evaluate functions on recorded real tool output."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from shipyard.config.load import Project, load_project
from shipyard.config.models import AllowlistEntry, ScanConfig, Severity
from shipyard.gitinfo import NO_GIT
from shipyard.stages.build import build_stage
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import Status
from shipyard.stages.sbom import sbom_stage
from shipyard.stages.scan import history_stage, image_stage, source_stage

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
WEBAPP = load_project(Path(__file__).parents[3] / "examples" / "webapp")
TODAY = dt.date(2026, 11, 22)

# trivy 0.59.1 `fs --scanners vuln` on this machine: no vulnerability DB can be downloaded (exit 1)
TRIVY_NO_DB = """\
2026-11-22T02:31:02Z\tINFO\t[vulndb] Need to update DB
2026-11-22T02:31:02Z\tINFO\t[vulndb] Downloading vulnerability DB...
2026-11-22T02:31:02Z\tINFO\t[vulndb] Downloading artifact...\trepo="mirror.gcr.io/aquasec/trivy-db:2"
2026-11-22T02:31:02Z\tFATAL\tFatal error\tinit error: DB error: failed to download vulnerability DB: \
OCI artifact error: failed to download vulnerability DB: failed to download artifact from \
mirror.gcr.io/aquasec/trivy-db:2: OCI repository error: 1 error occurred:
\t* Get "https://mirror.gcr.io/v2/": dial tcp: lookup mirror.gcr.io on 10.255.255.53:53: no such host

"""


def scanning(severity: Severity = "HIGH", allowlist: tuple[AllowlistEntry, ...] = ()) -> Project:
    scan = ScanConfig(severity=severity, allowlist=allowlist)
    return dataclasses.replace(WEBAPP, config=WEBAPP.config.model_copy(update={"scan": scan}))


def ran(label: str, code: int = 0, tail: str = "") -> CommandOutcome:
    return CommandOutcome(label=label, argv=("/usr/local/bin/trivy", label), exit_code=code, output_tail=tail)


def out_dir(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """Files under the stage's names: a fixture path (str) to copy, or bytes to write."""
    for name, content in files.items():
        if isinstance(content, bytes):
            (tmp_path / name).write_bytes(content)
        else:
            shutil.copyfile(TOOLS / content, tmp_path / name)
    return tmp_path


def misconfig_only() -> bytes:
    """trivy's real fs report with its secret result left out: DS002 (HIGH) and DS026 (LOW) remain."""
    report = json.loads((TOOLS / "trivy" / "fs-secret-misconfig.json").read_text(encoding="utf-8"))
    report["Results"] = [r for r in report["Results"] if r["Class"] != "secret"]
    return json.dumps(report).encode()


def test_gitleaks_leaks_fail_the_history_scan(tmp_path: Path) -> None:
    stage = history_stage(WEBAPP, TODAY, NO_GIT)
    assert stage.outputs == ("gitleaks.json",)
    outcome = StageOutcome(
        "scan-history", out_dir(tmp_path, {"gitleaks.json": "gitleaks/report.json"}), (ran("gitleaks", 1),)
    )
    result = stage.evaluate(outcome)
    assert result.status is Status.FAILED
    assert result.counts["findings"] == 2
    assert result.artifacts == ("gitleaks.json",)


def test_a_clean_history_passes(tmp_path: Path) -> None:
    outcome = StageOutcome(
        "scan-history", out_dir(tmp_path, {"gitleaks.json": "gitleaks/report-empty.json"}), (ran("gitleaks"),)
    )
    assert history_stage(WEBAPP, TODAY, NO_GIT).evaluate(outcome).status is Status.PASSED


@pytest.mark.parametrize(
    ("severity", "status"), [("HIGH", Status.FAILED), ("CRITICAL", Status.PASSED), ("LOW", Status.FAILED)]
)
def test_a_high_misconfiguration_against_the_threshold(
    tmp_path: Path, severity: Severity, status: Status
) -> None:
    stage = source_stage(scanning(severity), TODAY)
    assert stage.outputs == ("trivy-source.json", "trivy-deps.json")
    files: dict[str, str | bytes] = {
        "trivy-source.json": misconfig_only(),
        "trivy-deps.json": "trivy/fs-clean.json",
    }
    outcome = StageOutcome("scan-source", out_dir(tmp_path, files), (ran("secret,misconfig"), ran("vuln")))
    result = stage.evaluate(outcome)
    assert result.status is status, result
    assert (result.counts["high"], result.counts["low"]) == (1, 1)


def test_a_secret_fails_whatever_the_threshold(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "trivy-source.json": "trivy/fs-secret-misconfig.json",
        "trivy-deps.json": "trivy/fs-clean.json",
    }
    outcome = StageOutcome("scan-source", out_dir(tmp_path, files), (ran("secret,misconfig"), ran("vuln")))
    result = source_stage(scanning("CRITICAL"), TODAY).evaluate(outcome)
    assert result.status is Status.FAILED
    assert any("aws-access-key-id" in d for d in result.details)
    assert {(f.tool, f.kind) for f in result.findings} == {("trivy", "secret"), ("trivy", "misconfiguration")}
    assert len(result.findings) == result.counts["findings"]


def test_a_vulnerability_part_without_its_db_is_skipped_never_passed(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"trivy-source.json": "trivy/fs-clean.json"}
    commands = (ran("secret,misconfig"), ran("vuln", 1, TRIVY_NO_DB))
    result = source_stage(WEBAPP, TODAY).evaluate(
        StageOutcome("scan-source", out_dir(tmp_path, files), commands)
    )
    assert result.status is Status.SKIPPED
    assert result.summary.startswith(
        "vuln: skipped: trivy has no vulnerability DB and cannot download one here"
    )
    assert "ran secret,misconfig: scan passed" in result.summary
    assert result.counts["skipped_parts"] == 1
    assert result.artifacts == ("trivy-source.json",)
    assert result.reusable  # kept while the DB the stage observes stays absent
    assert [f.path for f in source_stage(WEBAPP, TODAY).observes] == ["db/metadata.json"]


def test_a_failing_part_still_fails_when_another_is_skipped(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"trivy-source.json": "trivy/fs-secret-misconfig.json"}
    commands = (ran("secret,misconfig"), ran("vuln", 1, TRIVY_NO_DB))
    result = source_stage(WEBAPP, TODAY).evaluate(
        StageOutcome("scan-source", out_dir(tmp_path, files), commands)
    )
    assert result.status is Status.FAILED
    assert any(d.startswith("vuln: skipped:") for d in result.details)


IMAGE_FILES: dict[str, str | bytes] = {
    "trivy-image-secrets.json": "trivy/fs-clean.json",
    "trivy-image-vulns.json": "trivy/image-vulnerabilities.handwritten.json",
}
EXPAT = AllowlistEntry(
    id="CVE-2024-45490", reason="libexpat is not used by the app", expires=dt.date(2026, 12, 1)
)


@pytest.mark.parametrize(
    ("today", "status", "note"),
    [
        (dt.date(2026, 11, 30), Status.PASSED, None),
        (
            dt.date(2026, 12, 1),
            Status.FAILED,
            "allowlist entry CVE-2024-45490 expired on 2026-12-01: no longer suppressed",
        ),
    ],
)
def test_an_allowlist_entry_suppresses_until_it_expires(
    tmp_path: Path, today: dt.date, status: Status, note: str | None
) -> None:
    stage = image_stage(scanning("CRITICAL", (EXPAT,)), "linux/amd64", today)
    outcome = StageOutcome("scan-image", out_dir(tmp_path, IMAGE_FILES), (ran("secret"), ran("vuln")))
    result = stage.evaluate(outcome)
    assert result.status is status, result
    assert result.counts["suppressed"] == (1 if status is Status.PASSED else 0)
    if note:
        assert note in result.details
    ids = [f.id for f in result.findings]
    if status is Status.PASSED:
        assert [s.finding.id for s in result.suppressed] == ["CVE-2024-45490"]
        assert "CVE-2024-45490" not in ids, "an allowlisted finding is carried as suppressed, not twice"
    else:
        assert result.suppressed == ()
        assert "CVE-2024-45490" in ids
    assert len(ids) + len(result.suppressed) == result.counts["findings"]


def test_the_image_vulnerabilities_are_counted_by_severity(tmp_path: Path) -> None:
    stage = image_stage(WEBAPP, "linux/amd64", TODAY)
    outcome = StageOutcome("scan-image", out_dir(tmp_path, IMAGE_FILES), (ran("secret"), ran("vuln")))
    result = stage.evaluate(outcome)
    assert result.status is Status.FAILED
    counts = {k: result.counts[k] for k in ("critical", "high", "medium", "low", "counted")}
    assert counts == {"critical": 1, "high": 2, "medium": 3, "low": 1, "counted": 3}


def test_a_part_that_did_not_run_is_skipped(tmp_path: Path) -> None:
    outcome = StageOutcome("scan-image", out_dir(tmp_path, IMAGE_FILES), (ran("secret"),))
    result = image_stage(scanning("CRITICAL", (EXPAT,)), "linux/amd64", TODAY).evaluate(outcome)
    assert result.status is Status.SKIPPED
    assert result.summary.startswith("vuln: skipped: did not run")
    assert not result.reusable  # only a missing DB is a state the next run can observe


def test_sbom_counts_packages(tmp_path: Path) -> None:
    stage = sbom_stage(WEBAPP, "linux/amd64")
    files: dict[str, str | bytes] = {
        "sbom.cdx.json": "syft/cyclonedx.json",
        "sbom.spdx.json": "syft/spdx.json",
    }
    result = stage.evaluate(StageOutcome("sbom", out_dir(tmp_path, files), (ran("syft"),)))
    assert result.status is Status.PASSED
    assert result.counts == {"packages": 4, "python_packages": 4}
    assert stage.outputs == result.artifacts == ("sbom.cdx.json", "sbom.spdx.json")


def test_sbom_without_the_spdx_document_is_an_error(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"sbom.cdx.json": "syft/cyclonedx.json"}
    result = sbom_stage(WEBAPP, "linux/amd64").evaluate(
        StageOutcome("sbom", out_dir(tmp_path, files), (ran("syft"),))
    )
    assert result.status is Status.ERROR
    assert result.summary.startswith("syft wrote no sbom.spdx.json")


@pytest.mark.parametrize(
    ("user", "root_detail"),
    [("", True), ("root", True), ("0:0", True), ("app", False), ("10001:10001", False)],
)
def test_build_reports_the_image_and_warns_about_root(
    tmp_path: Path, user: str, *, root_detail: bool
) -> None:
    stage = build_stage(WEBAPP, "linux/arm64", NO_GIT)
    (tmp_path / "build.json").write_text("{}")
    meta = {"size": "52400000", "user": user, "tag": "ghcr.io/shipyard-examples/webapp:shipyard-arm64"}
    result = stage.evaluate(StageOutcome("build-linux-arm64", tmp_path, metadata=meta))
    assert result.status is Status.PASSED
    assert result.summary == f"built {meta['tag']} for linux/arm64: 52.4 MB, user {user or 'root'}"
    assert ("runs as root: add a USER line to the Dockerfile's final stage" in result.details) is root_detail


def test_a_build_without_its_metadata_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "image.tar").write_bytes(b"\0" * 1024)  # a tarball alone says nothing of the image
    result = build_stage(WEBAPP, "linux/amd64", NO_GIT).evaluate(StageOutcome("build-linux-amd64", tmp_path))
    assert (result.status, result.summary) == (Status.ERROR, "the build wrote no build.json")
