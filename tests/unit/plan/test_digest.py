from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import Project, load_project
from shipyard.config.models import AllowlistEntry, ScanConfig
from shipyard.gitinfo import GitInfo
from shipyard.plan.digest import stage_digests
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.plan.sources import hash_files, list_files

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from shipyard.config.models import Tier

TODAY = dt.date(2026, 11, 22)
GIT = GitInfo(
    sha="1" * 40,
    ref="refs/heads/main",
    committed=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
    dirty=False,
    history="h1",
)
TESTS = {"test-3.10", "test-3.11", "test-3.12", "test-3.13"}
SCANS = {"scan-history", "scan-source", "scan-image"}
PACKAGE = {"package", "package-smoke-3.10", "package-smoke-3.11", "package-smoke-3.12", "package-smoke-3.13"}
"""The package stage reads every file (an sdist may hold any) and stamps the commit."""


def digests(
    project: Project, *, git: GitInfo = GIT, today: dt.date = TODAY, tier: Tier = "extended"
) -> dict[str, str]:
    context = PlanContext(git=git, today=today, host_platform="linux/amd64", tags=("sha-1111111", "latest"))
    plan = build_plan(project, context, tier=tier)
    files = list_files(project.root)
    return stage_digests(plan, files, hash_files(project.root, files), git)


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {sid for sid in before if before[sid] != after[sid]}


def with_config(project: Project, **update: object) -> Project:
    return dataclasses.replace(project, config=project.config.model_copy(update=update))


@pytest.fixture
def webapp(copy_example: Callable[[str], Path]) -> Project:
    return load_project(copy_example("webapp"))


def test_digests_are_deterministic_and_distinct(webapp: Project) -> None:
    first = digests(webapp)
    assert first == digests(webapp)
    assert first == digests(load_project(webapp.root))
    assert len(set(first.values())) == len(first)
    assert all(len(d) == 64 for d in first.values())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "src/webapp/app.py",
            {"lint", *TESTS, *PACKAGE, "build-linux-amd64", "sbom", "scan-image", "scan-source"},
        ),
        (
            "tests/test_app.py",
            {"lint", *TESTS, *PACKAGE, "build-linux-amd64", "sbom", "scan-image", "scan-source"},
        ),
        ("Dockerfile", {*PACKAGE, "build-linux-amd64", "sbom", "scan-image", "scan-source"}),
        ("docs/notes.md", {*PACKAGE, "scan-source"}),  # prose: ruff formats only code blocks
    ],
)
def test_a_changed_file_changes_exactly_the_stages_that_read_it_and_their_dependents(
    webapp: Project, path: str, expected: set[str]
) -> None:
    before = digests(webapp)
    target = webapp.root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")
    assert changed(before, digests(webapp)) == expected


def test_lint_reads_a_markdown_file_from_its_first_fence_on(webapp: Project) -> None:
    doc = webapp.root / "docs" / "guide.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text("# Guide\n\nSome prose.\n")
    before = digests(webapp)
    doc.write_text("# Guide\n\nOther prose.\n")  # prose alone: lint's verdict cannot change
    assert "lint" not in changed(before, digests(webapp))
    doc.write_text("# Guide\n\nOther prose.\n\n```python\nx=1\n```\n")  # a code block: ruff formats it
    with_code = digests(webapp)
    assert "lint" in changed(before, with_code)
    doc.write_text("# Guide\n\nProse, edited.\n\n```python\nx=1\n```\n")  # same lines before it
    assert "lint" not in changed(with_code, digests(webapp))
    doc.write_text("# Guide\n\nProse,\nedited.\n\n```python\nx=1\n```\n")  # the block moved a line
    assert "lint" in changed(with_code, digests(webapp))
    doc.write_bytes(b"# Guide\n\n\xff not UTF-8\n")  # ruff fails to read it: counted by its bytes
    assert "lint" in changed(before, digests(webapp))


def test_sbom_reads_no_files_but_follows_the_build_through_its_needs(webapp: Project) -> None:
    before = digests(webapp)
    (webapp.root / "src/webapp/app.py").chmod(0o755)  # only the exec bit
    after = digests(webapp)
    assert before["sbom"] != after["sbom"]
    assert changed(before, after) >= {"build-linux-amd64", "sbom", "scan-image"}


def test_coverage_floor_changes_only_the_test_digests(webapp: Project) -> None:
    before = digests(webapp)
    raised = with_config(webapp, test=webapp.config.test.model_copy(update={"coverage_floor": 95.0}))
    assert changed(before, digests(raised)) == TESTS


def test_coverage_floor_reaches_publish_through_its_needs(webapp: Project) -> None:
    before = digests(webapp, tier="full")
    raised = with_config(webapp, test=webapp.config.test.model_copy(update={"coverage_floor": 95.0}))
    assert changed(before, digests(raised, tier="full")) == {*TESTS, "publish"}


def test_scan_severity_changes_only_the_scan_digests(webapp: Project) -> None:
    before = digests(webapp)
    assert changed(before, digests(with_config(webapp, scan=ScanConfig(severity="CRITICAL")))) == SCANS


def test_an_expiring_allowlist_entry_changes_the_scan_digests(webapp: Project) -> None:
    entry = AllowlistEntry(
        id="CVE-2024-6345", reason="not reachable from our code", expires=dt.date(2026, 12, 1)
    )
    allowing = with_config(webapp, scan=ScanConfig(allowlist=(entry,)))
    before = digests(allowing, today=dt.date(2026, 11, 30))
    after = digests(allowing, today=dt.date(2026, 12, 1))
    assert changed(before, after) == SCANS


def test_new_history_changes_only_the_history_scan(webapp: Project) -> None:
    before = digests(webapp)
    assert changed(before, digests(webapp, git=dataclasses.replace(GIT, history="h2"))) == {"scan-history"}


def test_a_new_commit_changes_the_image_through_its_labels(webapp: Project) -> None:
    before = digests(webapp)
    after = digests(webapp, git=dataclasses.replace(GIT, sha="2" * 40))
    assert changed(before, after) == {"build-linux-amd64", "sbom", "scan-image", *PACKAGE}  # and the stamp


BYTE_READERS = {"build-linux-amd64", "sbom", "scan-image", "scan-source", *PACKAGE}
"""Stages that take pyproject.toml as bytes: into the image (sbom, scan-image follow), every byte scanned."""


def edit_pyproject(project: Project, edit: Callable[[str], str]) -> Project:
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(edit(pyproject.read_text(encoding="utf-8")), encoding="utf-8")
    return load_project(project.root)


def test_a_lint_table_re_runs_lint_and_the_byte_readers_but_not_the_test_matrix(webapp: Project) -> None:
    before = digests(webapp)
    after = digests(
        edit_pyproject(webapp, lambda text: text + '\n[tool.shipyard.lint]\ntypecheck = "mypy"\n')
    )
    assert changed(before, after) == {"lint", *BYTE_READERS}


def test_a_shipyard_setting_no_stage_reads_changes_only_the_byte_readers(webapp: Project) -> None:
    before = digests(webapp)
    after = digests(edit_pyproject(webapp, lambda text: text.replace('tier = "full"', 'tier = "extended"')))
    assert changed(before, after) == BYTE_READERS


def test_project_dependencies_re_run_the_test_matrix(webapp: Project) -> None:
    before = digests(webapp)
    after = digests(
        edit_pyproject(webapp, lambda text: text.replace('"uvicorn>=0.30,<1",', '"uvicorn>=0.31,<1",'))
    )
    assert changed(before, after) >= {"lint", *TESTS, *BYTE_READERS}


def test_another_tool_table_re_runs_the_stages_that_read_pyproject(webapp: Project) -> None:
    before = digests(webapp)
    after = digests(
        edit_pyproject(webapp, lambda text: text.replace("line-length = 100", "line-length = 99"))
    )
    assert changed(before, after) == {"lint", *TESTS, *BYTE_READERS}


def test_a_shipyard_toml_edit_re_runs_only_the_stages_whose_settings_changed(
    webapp: Project,
) -> None:
    pyproject = webapp.root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    table = text[text.index("[tool.shipyard]") :]
    pyproject.write_text(text[: text.index("[tool.shipyard]")], encoding="utf-8")
    standalone = webapp.root / "shipyard.toml"
    standalone.write_text(
        table.replace("[tool.shipyard.", "[").replace("[tool.shipyard]\n", ""), encoding="utf-8"
    )
    before = digests(load_project(webapp.root))
    standalone.write_text(
        standalone.read_text(encoding="utf-8") + '\n[lint]\ntypecheck = "mypy"\n', encoding="utf-8"
    )
    assert changed(before, digests(load_project(webapp.root))) == {"lint", *BYTE_READERS}


def test_a_dockerfile_written_with_a_dot_slash_is_still_part_of_the_build_digest(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": '[project]\nname = "svc"\n[tool.shipyard.image]\n'
            'dockerfile = "./docker/Dockerfile"\ncontext = "./service/"\n',
            "docker/Dockerfile": "FROM scratch\n",
            "service/main.py": "",
        }
    )
    before = digests(load_project(root))
    (root / "docker/Dockerfile").write_text("FROM scratch\nCOPY main.py /\n", encoding="utf-8")
    after = digests(load_project(root))
    assert "build-linux-amd64" in changed(before, after)
    (root / "service/main.py").write_text("print(1)\n", encoding="utf-8")
    assert "build-linux-amd64" in changed(after, digests(load_project(root)))
