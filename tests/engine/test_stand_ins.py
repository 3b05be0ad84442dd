"""A seeded stand-in of another tool version is named with the version it really runs."""

from __future__ import annotations

import pytest

from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES
from shipyard.docker.engine import connect
from shipyard.docker.images import ImageResolver

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
