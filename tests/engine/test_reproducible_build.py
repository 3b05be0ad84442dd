"""Same inputs, same image: two builds of one commit give one image config and manifest digest.

No per-run label is stamped on the image, and the created time (config and history) comes from the
commit through SOURCE_DATE_EPOCH, so the immutable-tag rule "the same digest may be published
again" can hold on the Docker executor.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from typing import TYPE_CHECKING

import pytest

from shipyard.oci.index import Platform
from shipyard.oci.layout import ImageArchive
from shipyard.stages.build import IMAGE_TAR
from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.engine, pytest.mark.slow]
BUILD = "build-linux-amd64"


def build_once(project: Path) -> tuple[str, dict[str, str]]:
    done = shipyard(
        "run", BUILD, "--source", str(project), "--no-cache", "--platform", "linux/amd64", timeout=900
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert summary(project)[BUILD]["status"] == "passed"
    out = project / ".shipyard" / "out" / BUILD
    labels = {k: v for k, v in json.loads((out / "build.json").read_text()).items() if k.startswith("label:")}
    with ImageArchive(out / IMAGE_TAR) as archive:
        image = archive.image(Platform.parse("linux/amd64"))
    return f"{image.config.digest} {image.digest}", labels


def own_build_cache(project: Path) -> None:
    """Give the build steps cache keys no other test's build shares, and commit that.

    The rebuild is the same image because BuildKit reuses the first build's layers (a RUN
    step's files carry the time they were written). Other suites build webapp at the same time
    on this engine; two builds that run one step at once each record a result for its key, and a
    later build may take either: this test would then compare two other builds' layers.
    """
    dockerfile = project / "Dockerfile"
    marker = f"ENV SHIPYARD_TEST_BUILD={uuid.uuid4().hex}"
    text = dockerfile.read_text(encoding="utf-8")
    for stage in ("AS builder\n", "AS runtime\n"):
        assert stage in text, stage
        text = text.replace(stage, f"{stage}{marker}\n", 1)
    dockerfile.write_text(text, encoding="utf-8")
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qam", "own cache"],
        cwd=project,
        check=True,
    )


def test_two_builds_of_one_commit_give_one_image_config_digest(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    own_build_cache(project)
    first, labels = build_once(project)
    second, again = build_once(project)
    assert first.startswith("sha256:")
    assert first == second, "a rebuild of the same commit made a different image (config, manifest)"
    assert labels == again
    assert not any("run" in key for key in labels), labels
    assert labels["label:org.opencontainers.image.revision"]
