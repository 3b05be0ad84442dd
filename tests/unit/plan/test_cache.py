from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.plan.cache import RESULT_FILE, StageCache
from shipyard.stages.result import StageResult, Status

if TYPE_CHECKING:
    from pathlib import Path

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
        '{"digest": "d1", "status": "great", "summary": "", "details": [], "counts": {}, "artifacts": []}',
        '{"digest": "d1", "status": "passed", "summary": "", "details": [], "counts": 3, "artifacts": []}',
        "",
    ],
)
def test_a_corrupted_record_is_a_miss(tmp_path: Path, content: str) -> None:
    cache = StageCache(tmp_path / "cache")
    cache.store("lint", "d1", GREEN, reports(tmp_path / "out"))
    (tmp_path / "cache" / "lint" / RESULT_FILE).write_text(content, encoding="utf-8")
    assert cache.lookup("lint", "d1") is None
