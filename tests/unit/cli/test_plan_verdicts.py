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


def test_the_plan_names_an_end_of_life_python_requires_python_admits_and_how_to_test_it(
    write_project: Callable[[dict[str, str]], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    pyproject = '[project]\nname = "old"\nversion = "1"\nrequires-python = ">=3.10"\n'
    root = write_project({"pyproject.toml": pyproject, "old/__init__.py": ""})

    main(["plan", "--source", str(root)])
    out = capsys.readouterr().out

    assert "not tested: Python 3.10, which requires-python admits, is past its end of life" in out
    assert 'python = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]' in out
    assert "test-3.10" not in out

    (root / "pyproject.toml").write_text(pyproject + '[tool.shipyard]\npython = ["3.10", "3.12"]\n')
    main(["plan", "--source", str(root)])
    out = capsys.readouterr().out
    assert "not tested" not in out
    assert "test-3.10" in out
