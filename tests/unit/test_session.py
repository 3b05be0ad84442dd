from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.baselines import baseline_path
from shipyard.bench_baseline import with_served_baseline
from shipyard.config.paths import STATE_DIR
from shipyard.plan.graph import host_platform
from shipyard.session import Selection, open_session, with_plan
from shipyard.stages.bench import BENCH_ID
from shipyard.stages.build import build_stage_id
from shipyard.stages.spec import BuildStep, PublishStep

if TYPE_CHECKING:
    from collections.abc import Callable

TOOLS = Path(__file__).resolve().parents[1] / "fixtures" / "tools"


@pytest.mark.parametrize(
    ("branch", "tags"), [("main", ("sha-{short}", "latest")), ("feature/x", ("sha-{short}",))]
)
def test_a_session_on_a_committed_webapp(
    copy_example: Callable[[str], Path],
    git_init: Callable[[Path, str], str],
    branch: str,
    tags: tuple[str, ...],
) -> None:
    root = copy_example("webapp")
    sha = git_init(root, branch)
    session = open_session(root, Selection(tier="full"))

    assert session.git.sha == sha
    assert session.git.ref == f"refs/heads/{branch}"
    assert not session.git.dirty
    assert set(session.digests) == set(session.plan.ids)
    assert len(set(session.digests.values())) == len(session.digests)
    assert session.out_root == root / STATE_DIR / "out"
    assert session.cache.root == root / STATE_DIR / "cache"
    assert "src/webapp/app.py" in session.files
    assert ".git/HEAD" not in session.files
    assert session.plan.get("scan-history").not_applicable is None

    expected = tuple(t.format(short=sha[:7]) for t in tags)
    assert session.context.tags == expected
    publish = session.plan.get("publish").action
    assert isinstance(publish, PublishStep)
    assert publish.tags == expected
    assert publish.repository == "ghcr.io/shipyard-examples/webapp"
    build = session.plan.get("build-linux-amd64").action
    assert isinstance(build, BuildStep)
    assert build.labels["org.opencontainers.image.revision"] == sha


def test_a_session_outside_git_has_no_tags_and_skip_drops_dependents(
    copy_example: Callable[[str], Path],
) -> None:
    root = copy_example("webapp")
    out = root.parent / "reports"
    session = open_session(root, Selection(names=("sbom", "lint"), skip=("build",)), out=out)
    assert session.git.sha is None
    assert session.context.tags == ()
    assert session.plan.ids == ("lint",)
    assert session.out_root == out


def test_a_new_commit_changes_the_digests_that_depend_on_it(
    copy_example: Callable[[str], Path], git_init: Callable[[Path, str], str], git: Callable[..., str]
) -> None:
    root = copy_example("webapp")
    git_init(root, "main")
    before = open_session(root, Selection(tier="extended")).digests
    (root / "docs").mkdir()
    (root / "docs" / "notes.md").write_text("notes\n", encoding="utf-8")
    git(root, "add", "docs/notes.md")
    git(root, "commit", "--quiet", "-m", "docs")
    after = open_session(root, Selection(tier="extended")).digests
    changed = {sid for sid in before if before[sid] != after[sid]}
    # new history, a new scan-source input, new revision labels on the image; not lint: ruff reads
    # only a Markdown file's code blocks, and these notes have none (plan.fenced)
    host_build = build_stage_id(host_platform())
    package = {"package", *(f"package-smoke-{v}" for v in ("3.10", "3.11", "3.12", "3.13"))}  # the stamp
    assert changed == {"scan-history", "scan-source", host_build, "sbom", "scan-image", *package}


def test_the_bench_key_holds_its_baseline_the_files_and_the_services(
    copy_example: Callable[[str], Path], git_init: Callable[[Path, str], str]
) -> None:
    """Nothing changed: the same key (a cache hit); a new baseline file, or another run served by
    `shipyard serve`, a new one — a cached verdict against another baseline would be stale."""
    root = copy_example("library")
    git_init(root, "main")
    first = open_session(root, Selection(names=("bench",)))
    assert open_session(root, Selection(names=("bench",))).digests == first.digests
    baseline = baseline_path(root, BENCH_ID)
    baseline.parent.mkdir(parents=True, exist_ok=True)
    baseline.write_bytes((TOOLS / "bench" / "baseline.json").read_bytes())
    with_file = open_session(root, Selection(names=("bench",)))
    assert with_file.digests[BENCH_ID] != first.digests[BENCH_ID]

    def served(run: int) -> str:
        report = json.loads((TOOLS / "bench" / "baseline.json").read_text(encoding="utf-8"))

        def fetch(url: str, project: str, *, branch: str, stage: str, timeout: float) -> dict[str, object]:
            del url, project, branch, stage, timeout
            return {"run": run, "branch": "main", "report": report}

        plan = with_served_baseline(
            with_file.plan, url="http://ci.example:8080", project="semverlite", fetch=fetch
        )
        return with_plan(with_file, plan).digests[BENCH_ID]

    assert served(7) not in {with_file.digests[BENCH_ID], served(8)}
    assert served(7) == served(7)
