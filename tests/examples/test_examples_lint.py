"""Every example is lint-clean under its own ruff configuration, as the lint stage would judge it.

The examples are green as committed (examples/README.md): a benchmark or test added to one must not
turn its lint stage red in every engine test that runs it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and any(p.rglob("pyproject.toml")))
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "check", [("check", "--no-cache"), ("format", "--check", "--no-cache")], ids=["check", "format"]
)
def test_an_example_is_lint_clean_under_its_own_config(name: str, check: tuple[str, ...]) -> None:
    done = subprocess.run(
        [RUFF, *check, "."], cwd=EXAMPLES / name, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
