"""The lint stage runs the project's own ruff: a project whose pinned ruff passes passes shipyard's lint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_init, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

# ruff 0.16 formats Python code blocks in Markdown; ruff 0.12 reads no Markdown at all
README = "# tiny\n\n```python\nx = {  'a':1 }\n```\n"
PYPROJECT = """\
[project]
name = "tiny"
version = "0.1.0"
requires-python = ">=3.12"

[tool.shipyard]
python = ["3.13"]
tier = "essential"

[tool.ruff]
extend-exclude = ["generated"]
"""


def tiny(tmp_path: Path, requirements: str | None) -> Path:
    root = tmp_path / "tiny"
    (root / "src" / "tiny").mkdir(parents=True)
    (root / "generated").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "README.md").write_text(README)
    (root / "src" / "tiny" / "__init__.py").write_text('"""Tiny."""\n\nVALUE = 1\n')
    (root / "generated" / "out.py").write_text("import os,sys\nx=  1\n")  # the project excludes it
    if requirements is not None:
        (root / "requirements-dev.txt").write_text(requirements)
    return git_init(root)


def test_the_projects_pinned_ruff_is_used_and_named(tmp_path: Path) -> None:
    root = tiny(tmp_path, "ruff==0.12.0\n")
    done = shipyard("run", "--source", str(root), "lint")
    stage = summary(root)["lint"]
    assert stage["status"] == "passed", (stage, done.stdout[-2000:])
    assert "(ruff 0.12.0, requirements-dev.txt)" in str(stage["summary"])


def test_without_a_pin_the_default_ruff_checks_what_ruff_itself_would(tmp_path: Path) -> None:
    root = tiny(tmp_path, None)
    done = shipyard("run", "--source", str(root), "lint")
    stage = summary(root)["lint"]
    assert done.returncode != 0
    assert stage["status"] == "failed", stage
    # README.md's code block, as `ruff format --check .` of 0.16 says; generated/ is the project's exclude
    assert str(stage["summary"]).startswith(
        "lint failed: 1 file(s) to reformat (ruff 0.16.5, shipyard's default)"
    )
