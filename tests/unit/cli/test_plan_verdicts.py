"""`shipyard plan`'s verdict per stage is the one `shipyard run` would reach, or says what it cannot know."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.cli.app import main
from shipyard.session import Selection, open_session
from shipyard.stages.result import StageResult, Status

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest


def _plan_rows(root: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    main(["plan", "--source", str(root)])
    rows = [line.split("│") for line in capsys.readouterr().out.splitlines() if line.startswith("│")]
    return {cells[2].strip(): cells[5].strip() for cells in rows if len(cells) > 5}


def test_a_scan_kept_for_its_inputs_is_a_cache_hit_while_the_db_it_observes_is_unchanged(
    copy_example: Callable[[str], Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the runner keys scan-source by its input digest and the trivy DB it saw (runner._cache_key):
    # a plan, which asks no engine, found no record under the bare digest and said "run" (seen on
    # pallets/itsdangerous, whose next `shipyard run` was a cache hit)
    monkeypatch.setenv("COLUMNS", "250")
    root = copy_example("library")
    session = open_session(root, Selection())
    digest = session.digests["scan-source"]
    skipped = StageResult(status=Status.SKIPPED, summary="vuln: skipped: no DB here", reusable=True)
    session.cache.store("scan-source", "digest-and-db-state", skipped, root / "nothing", inputs=digest)

    rows = _plan_rows(root, capsys)

    assert (
        rows["scan-source"]
        == "cache hit while shipyard-trivy:db/metadata.json is unchanged (the engine is not asked)"
    )
    assert rows["lint"] == "run: inputs changed"

    session.cache.store(
        "scan-source", "digest-and-db-state", skipped, root / "nothing", inputs="older inputs"
    )
    assert _plan_rows(root, capsys)["scan-source"] == "run: inputs changed"
