"""Which ruff the lint stage runs: the project's pin (uv.lock, requirements, pre-commit), else the default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.config.load import load_project
from shipyard.stages.install import UV
from shipyard.stages.lint import RUFF, lint_stage
from shipyard.stages.ruff_version import RuffPin, project_ruff
from shipyard.stages.spec import ContainerStep

if TYPE_CHECKING:
    from pathlib import Path

LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "rich"
version = "14.0.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "ruff"
version = "0.12.0"
source = { registry = "https://pypi.org/simple" }
"""
PRE_COMMIT = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.11.13
    hooks:
      - id: ruff
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n')
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_no_pin_anywhere_gives_none(tmp_path: Path) -> None:
    assert project_ruff(project(tmp_path, {"requirements.txt": "ruff>=0.5\n"})) is None


def test_uv_lock_wins_over_requirements_and_pre_commit(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {"uv.lock": LOCK, "requirements-dev.txt": "ruff==0.9.0\n", ".pre-commit-config.yaml": PRE_COMMIT},
    )
    assert project_ruff(root) == RuffPin(version="0.12.0", source="uv.lock")


def test_a_dev_requirements_file_pin(tmp_path: Path) -> None:
    root = project(tmp_path, {"requirements/dev.txt": "pytest==9.2.0\nruff == 0.9.0  # lint\n"})
    assert project_ruff(root) == RuffPin(version="0.9.0", source="requirements/dev.txt")


def test_the_pre_commit_hooks_rev(tmp_path: Path) -> None:
    assert project_ruff(project(tmp_path, {".pre-commit-config.yaml": PRE_COMMIT})) == RuffPin(
        version="0.11.13", source=".pre-commit-config.yaml"
    )


def test_a_malformed_lock_is_no_pin(tmp_path: Path) -> None:
    assert project_ruff(project(tmp_path, {"uv.lock": "[[package]\nname = "})) is None


def test_a_project_pin_runs_that_ruff_through_uv_and_says_so(tmp_path: Path) -> None:
    stage = lint_stage(load_project(project(tmp_path, {"requirements-dev.txt": "ruff==0.12.0\n"})))
    assert isinstance(stage.action, ContainerStep)
    check = stage.action.commands[0]
    assert check.argv[:6] == (UV, "tool", "run", "--from", "ruff==0.12.0", "ruff")
    assert check.argv[6] == "check"
    assert stage.action.network
    assert stage.params["ruff"] == "0.12.0 (requirements-dev.txt)"


def test_without_a_pin_the_default_binary_runs_offline(tmp_path: Path) -> None:
    stage = lint_stage(load_project(project(tmp_path, {})))
    assert isinstance(stage.action, ContainerStep)
    assert stage.action.commands[0].argv[0] == RUFF
    assert not stage.action.network
    assert stage.params["ruff"].endswith("(shipyard's default)")


def test_a_lock_laid_out_otherwise_is_read_as_toml(tmp_path: Path) -> None:
    reordered = (
        '[[package]]\nname = "ruff"\nsource = { registry = "https://pypi.org/simple" }\nversion = "0.13.1"\n'
    )
    assert project_ruff(project(tmp_path, {"uv.lock": reordered})) == RuffPin(
        version="0.13.1", source="uv.lock"
    )


def test_a_lock_without_ruff_is_no_pin_and_the_fast_read_agrees_with_toml(tmp_path: Path) -> None:
    assert project_ruff(project(tmp_path, {"uv.lock": LOCK.replace('"ruff"', '"rufff"')})) is None
    assert project_ruff(project(tmp_path, {"uv.lock": LOCK})) == RuffPin(version="0.12.0", source="uv.lock")
