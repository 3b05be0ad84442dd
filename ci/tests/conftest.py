import os
import sys
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
