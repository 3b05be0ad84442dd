from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.gitinfo import NO_GIT, changed_paths
from shipyard.plan.changes import affected
from shipyard.plan.graph import PlanContext, build_plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.config.models import Tier

EXAMPLES = Path(__file__).parents[3] / "examples"
TESTS = {"test-3.10", "test-3.11", "test-3.12", "test-3.13"}
IMAGE = {"build-linux-amd64", "sbom", "scan-image"}
PACKAGE = {"package", "package-smoke-3.10", "package-smoke-3.11", "package-smoke-3.12", "package-smoke-3.13"}
"""A build backend may put any file in the sdist: the package stage reads them all."""
CONTEXT = PlanContext(git=NO_GIT, today=dt.date(2026, 11, 22), host_platform="linux/amd64")
WEBAPP = load_project(EXAMPLES / "webapp")


@pytest.mark.parametrize(
    ("tier", "changed", "expected"),
    [
        # docs only: no tests or build; lint (ruff formats Markdown code blocks) and the secret scanners
        ("extended", ["docs/x.md", "CHANGELOG.md"], {"lint", *PACKAGE, "scan-history", "scan-source"}),
        ("extended", [".github/workflows/ci.yml"], {*PACKAGE, "scan-history", "scan-source"}),
        # Python code: lint, every test leg, and the image (the build context is the whole project)
        (
            "extended",
            ["src/webapp/app.py"],
            {"lint", *TESTS, *PACKAGE, *IMAGE, "scan-history", "scan-source"},
        ),
        ("essential", ["tests/test_app.py"], {"lint", "test-3.13"}),
        # the Dockerfile: the image stages and compose, not lint or tests
        (
            "full",
            ["Dockerfile"],
            {*IMAGE, *PACKAGE, "build-linux-arm64", "compose", "scan-history", "scan-source", "publish"},
        ),
        # the compose file: compose (and the build, whose context holds it: .dockerignore is not read)
        (
            "full",
            ["compose.yaml"],
            {*IMAGE, *PACKAGE, "build-linux-arm64", "compose", "scan-history", "scan-source", "publish"},
        ),
        # the lock: tests (and the image, which installs from it)
        ("extended", ["uv.lock"], {"lint", *TESTS, *PACKAGE, *IMAGE, "scan-history", "scan-source"}),
        # README is package metadata: build backends read it
        ("essential", ["README.md"], {"lint", "test-3.13"}),
        ("extended", [], set[str]()),
    ],
)
def test_changed_paths_select_stages(tier: Tier, changed: list[str], expected: set[str]) -> None:
    plan = build_plan(WEBAPP, CONTEXT, tier=tier)
    assert set(affected(plan, changed)) == expected


def test_reasons_name_the_path_or_the_upstream_stage() -> None:
    plan = build_plan(WEBAPP, CONTEXT, tier="extended")
    reasons = affected(plan, ["Dockerfile", "src/webapp/db.py"])
    assert reasons["lint"] == "src/webapp/db.py changed"
    assert reasons["build-linux-amd64"] == "Dockerfile changed (+1 more)"
    assert reasons["sbom"] == "needs build-linux-amd64, which must run"
    assert reasons["scan-history"] == "history changed"


def test_code_outside_the_build_context_does_not_rebuild(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            "pyproject.toml": '[project]\nname = "svc"\n[tool.shipyard.image]\ncontext = "service"\n',
            "Dockerfile": "FROM scratch\n",
            "service/main.py": "",
            "tools/helper.py": "",
        }
    )
    plan = build_plan(load_project(root), CONTEXT, tier="extended", pythons=("3.13",))
    assert set(affected(plan, ["tools/helper.py"])) == {
        "lint",
        "test-3.13",
        "package",  # n/a here (no build backend), but it would read the file
        "package-smoke-3.13",
        "scan-history",
        "scan-source",
    }
    assert set(affected(plan, ["service/main.py"])) >= IMAGE
    assert set(affected(plan, ["Dockerfile"])) >= IMAGE


def test_changed_paths_reads_commits_the_index_and_untracked_files(
    copy_example: Callable[[str], Path], git_init: Callable[[Path, str], str], git: Callable[..., str]
) -> None:
    root = copy_example("library")
    base = git_init(root, "main")
    (root / "docs").mkdir()
    (root / "docs/usage.md").write_text("# usage\n", encoding="utf-8")
    git(root, "add", "docs/usage.md")
    git(root, "commit", "--quiet", "-m", "docs")
    (root / "CHANGELOG.md").write_text("## 1.4.1\n", encoding="utf-8")  # untracked
    with (root / "README.md").open("a", encoding="utf-8") as readme:  # unstaged
        readme.write("more\n")
    assert changed_paths(root, base) == ("CHANGELOG.md", "README.md", "docs/usage.md")


def test_changed_paths_refuses_an_unknown_base(
    copy_example: Callable[[str], Path], git_init: Callable[[Path, str], str]
) -> None:
    from shipyard.errors import ConfigError  # noqa: PLC0415 - only this test needs it

    root = copy_example("library")
    git_init(root, "main")
    with pytest.raises(ConfigError, match="'origin/main' is not a commit"):
        changed_paths(root, "origin/main")
