import os
import sys
import tempfile
from pathlib import Path

# ci/src is the module's source root (the engine installs it; the repo venv does not).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

# dagger.mod reads DAGGER_MAIN_OBJECT once, at import time (the engine sets it in the runtime).
os.environ.setdefault("DAGGER_MAIN_OBJECT", "Shipyard")
# dagger.mod.cli imports this package when no dagger.mod entry point is installed.
os.environ.setdefault("DAGGER_DEFAULT_PYTHON_PACKAGE", "shipyard_ci")

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def module_runtime_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The module's scratch directories (session.load's export) in the test's own tmp_path.

    On a real engine the module runs in a container of its own and its /tmp goes with it; here it
    runs in the test's process, and what it wrote under /tmp would stay after every run.
    """
    scratch = tmp_path / "module-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch
