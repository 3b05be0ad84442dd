"""A run whose stages are all cache hits (or n/a) needs no engine; anything else does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.cli.run_cmd import needs_engine
from shipyard.session import Selection, open_session
from shipyard.stages.result import StageResult, Status

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

GREEN = StageResult(status=Status.PASSED, summary="ok")


def test_only_cache_hits_and_not_applicable_stages_need_no_engine(
    copy_example: Callable[[str], Path], tmp_path: Path
) -> None:
    root = copy_example("library")
    session = open_session(root, Selection(names=("lint", "test")))
    assert needs_engine(session, use_cache=True), "nothing cached yet"
    out = tmp_path / "reports"
    out.mkdir()
    for stage in session.plan.stages:
        session.cache.store(stage.id, session.digests[stage.id], GREEN, out)
    assert not needs_engine(session, use_cache=True)
    assert needs_engine(session, use_cache=False), "--no-cache runs everything"
    first = session.plan.stages[0]
    session.cache.store(first.id, "another digest", GREEN, out)
    assert needs_engine(session, use_cache=True), "a changed stage runs"


def test_a_build_hit_still_needs_the_engine_to_reload_its_image(copy_example: Callable[[str], Path]) -> None:
    root = copy_example("webapp")
    session = open_session(root, Selection(names=("build",)))
    build = next(s for s in session.plan.stages if s.id.startswith("build-"))
    session.cache.store(build.id, session.digests[build.id], GREEN, root / "src")
    assert needs_engine(session, use_cache=True)
