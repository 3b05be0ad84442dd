from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from shipyard.config.load import load_project
from shipyard.config.models import AllowlistEntry, ScanConfig
from shipyard.plan.cache import RESULT_FILE, StageCache
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.result import StageResult, Status
from shipyard.stages.scan import image_stage

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
WEBAPP = load_project(Path(__file__).parents[3] / "examples" / "webapp")

GREEN = StageResult(
    status=Status.PASSED,
    summary="tests passed: 3 passed",
    details=("coverage 91.00% (floor 80%)",),
    counts={"tests": 3, "coverage": 91.0, "platform": "linux/amd64"},
    artifacts=("junit.xml",),
)


def reports(out_dir: Path) -> Path:
    (out_dir / "nested").mkdir(parents=True)
    (out_dir / "junit.xml").write_text("<testsuites/>", encoding="utf-8")
    (out_dir / "nested" / "log.txt").write_text("log", encoding="utf-8")
    return out_dir


def test_lookup_hits_only_the_recorded_digest(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    assert cache.lookup("test-3.12", "d1") is None
    cache.store("test-3.12", "d1", GREEN, reports(tmp_path / "out"))
    assert cache.lookup("test-3.12", "d1") == GREEN
    assert cache.lookup("test-3.12", "d2") is None
    assert cache.lookup("test-3.11", "d1") is None


def test_not_applicable_results_are_kept(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    result = StageResult(status=Status.NOT_APPLICABLE, summary="not applicable: no Dockerfile")
    cache.store("sbom", "d", result, tmp_path / "no-out-dir")
    assert cache.lookup("sbom", "d") == result


@pytest.mark.parametrize("status", [Status.FAILED, Status.ERROR, Status.SKIPPED])
def test_results_that_are_not_green_are_not_stored_and_forget_the_old_entry(
    tmp_path: Path, status: Status
) -> None:
    cache = StageCache(tmp_path / "cache")
    out = reports(tmp_path / "out")
    cache.store("lint", "d1", GREEN, out)
    cache.store("lint", "d1", StageResult(status=status, summary="no"), out)
    assert cache.lookup("lint", "d1") is None
    assert not (tmp_path / "cache" / "lint").exists()


def test_restore_copies_the_reports_back_replacing_what_is_there(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    cache.store("test-3.12", "d1", GREEN, reports(tmp_path / "first"))
    out = tmp_path / "out" / "test-3.12"
    out.mkdir(parents=True)
    (out / "stale.txt").write_text("from a failed run", encoding="utf-8")
    cache.restore("test-3.12", out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "junit.xml",
        "nested",
        "nested/log.txt",
    ]
    assert (out / "junit.xml").read_text(encoding="utf-8") == "<testsuites/>"
    assert cache.has_files("test-3.12", "junit.xml")
    assert not cache.has_files("test-3.12", "image.tar")


def test_the_cache_survives_the_out_dir_being_removed(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    out = reports(tmp_path / "out")
    cache.store("lint", "d1", GREEN, out)
    (out / "junit.xml").unlink()
    restored = tmp_path / "restored"
    cache.restore("lint", restored)
    assert (restored / "junit.xml").is_file()


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"digest": "d1"}',
        '{"format": 2, "digest": "d1", "result": {"status": "great", "summary": ""}}',
        '{"format": 2, "digest": "d1", "result": {"status": "passed", "summary": "", "counts": 3}}',
        '{"format": 2, "digest": "d1", "result": {"status": "passed", "summary": "", "findings": [{}]}}',
        # a record of the format before findings were kept: its findings are unknown, so it is a miss
        '{"digest": "d1", "status": "passed", "summary": "", "details": [], "counts": {}, "artifacts": []}',
        "",
    ],
)
def test_a_corrupted_record_is_a_miss(tmp_path: Path, content: str) -> None:
    cache = StageCache(tmp_path / "cache")
    cache.store("lint", "d1", GREEN, reports(tmp_path / "out"))
    (tmp_path / "cache" / "lint" / RESULT_FILE).write_text(content, encoding="utf-8")
    assert cache.lookup("lint", "d1") is None


def test_a_cache_hit_carries_the_findings_of_the_cached_run(tmp_path: Path) -> None:
    """The scan-image stage's real verdict on recorded reports, one CVE allowlisted, through the cache."""
    expat = AllowlistEntry(id="CVE-2024-45490", reason="libexpat is not used", expires=dt.date(2026, 12, 1))
    scan = ScanConfig(severity="CRITICAL", allowlist=(expat,))
    project = dataclasses.replace(WEBAPP, config=WEBAPP.config.model_copy(update={"scan": scan}))
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(TOOLS / "trivy" / "fs-clean.json", out / "trivy-image-secrets.json")
    shutil.copyfile(
        TOOLS / "trivy" / "image-vulnerabilities.handwritten.json", out / "trivy-image-vulns.json"
    )
    commands = tuple(
        CommandOutcome(label=label, argv=("trivy",), exit_code=0) for label in ("secret", "vuln")
    )
    stage = image_stage(project, "linux/amd64", dt.date(2026, 11, 22))
    result = stage.evaluate(StageOutcome("scan-image", out, commands))
    assert result.status is Status.PASSED, result
    assert result.findings
    assert [s.finding.id for s in result.suppressed] == ["CVE-2024-45490"]

    cache = StageCache(tmp_path / "cache")
    cache.store("scan-image", "d1", result, out)
    hit = cache.lookup("scan-image", "d1")
    assert hit == result
    assert hit is not None
    assert hit.findings == result.findings
    assert hit.suppressed == result.suppressed
    assert hit.suppressed[0].entry.expires == dt.date(2026, 12, 1)


def test_a_result_keyed_by_observed_state_is_recorded_for_its_input_digest_too(tmp_path: Path) -> None:
    cache = StageCache(tmp_path / "cache")
    skipped = StageResult(status=Status.SKIPPED, summary="vuln: skipped: no DB", reusable=True)
    cache.store("scan-source", "key-with-db-state", skipped, reports(tmp_path / "out"), inputs="inputs")

    assert cache.lookup("scan-source", "inputs") is None  # found only by its whole key
    assert cache.lookup("scan-source", "key-with-db-state") == skipped
    assert cache.recorded_for("scan-source", "inputs")
    assert not cache.recorded_for("scan-source", "other inputs")
    cache.store("lint", "d1", GREEN, reports(tmp_path / "out2"))
    assert cache.recorded_for("lint", "d1")  # a plain key is its own input digest
    cache.store(
        "scan-source", "key-2", StageResult(status=Status.FAILED, summary="x"), tmp_path, inputs="inputs"
    )
    assert not cache.recorded_for("scan-source", "inputs")  # a failure keeps nothing
