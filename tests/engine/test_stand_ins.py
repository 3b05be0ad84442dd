"""A seeded stand-in of another tool version is named with the version it really runs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES
from shipyard.docker.engine import connect
from shipyard.docker.images import ImageResolver
from tests.engine.helpers import git_copy, shipyard

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine


def test_the_gitleaks_stand_in_is_reported_with_its_real_version() -> None:
    gitleaks = DEFAULT_TOOL_IMAGES["gitleaks"]
    resolver = ImageResolver(connect(), pull=False)
    resolved = resolver.resolve(gitleaks.pinned)
    assert resolved.stand_in
    assert resolver.stand_ins() == [
        f"{gitleaks.pinned} (stand-in: runs version {resolved.stand_in_version}, not {gitleaks.tag})"
    ]
    assert resolved.stand_in_version == "8.16.0"  # Debian trixie's, see docs/engine.md


def test_every_run_that_uses_the_gitleaks_stand_in_prints_its_version(tmp_path: Path) -> None:
    project = git_copy("library", tmp_path)
    done = shipyard("run", "--source", str(project), "scan-history")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    gitleaks = DEFAULT_TOOL_IMAGES["gitleaks"]
    printed = [line for line in done.stdout.splitlines() if line.startswith("stand-in: ")]
    assert any(gitleaks.pinned in line and "runs version 8.16.0" in line for line in printed), printed
    data = json.loads((project / ".shipyard" / "out" / "summary.json").read_text())
    assert any("runs version 8.16.0" in entry for entry in data["stand_ins"])
