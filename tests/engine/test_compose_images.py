"""Compose and the images of its stack: pulled when missing, an error naming them when they cannot be."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

ABSENT = "shipyard-no-such-image/postgres:15"


def _with_absent_db_image(tmp_path: Path) -> Path:
    project = git_copy("webapp", tmp_path)
    compose = project / "compose.yaml"
    compose.write_text(compose.read_text().replace("image: postgres:15-bookworm", f"image: {ABSENT}"))
    return project


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        (("--offline",), "pulling is disabled (--offline)"),
        ((), "`docker compose pull` could not get it: "),  # no registry is reachable here
    ],
    ids=["offline", "pull-fails"],
)
def test_an_image_the_engine_lacks_is_an_error_naming_it_and_the_fix(
    tmp_path: Path, flags: tuple[str, ...], why: str
) -> None:
    project = _with_absent_db_image(tmp_path)
    done = shipyard("run", "--source", str(project), *flags, "compose")
    stage = summary(project)["compose"]
    assert done.returncode != 0
    assert stage["status"] == "error", stage
    text = str(stage["summary"])
    assert text.startswith(f"image {ABSENT} of the stack is not on this engine and {why}"), text
    assert "`docker save` it and `docker load` it here, or seed a registry mirror" in text
    health = json.loads((project / ".shipyard/out/compose/compose-health.json").read_text())
    assert health["missing_images"] == [ABSENT]
    assert health["up"] is None  # the stack was never tried
    assert (health["pull"] is None) == ("--offline" in flags)
