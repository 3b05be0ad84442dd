"""The build stage's verdict: the build succeeded and the image tarball exists; facts for the summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome

IMAGE_TAR = "image.tar"
ROOT_USERS = {"", "root", "0", "0:0", "root:root"}


@dataclass(frozen=True)
class EvaluateBuild:
    """A build error fails; the image's size, user and labels are recorded."""

    platform: str

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge one platform's build."""
        broken = broken_run(outcome)
        if broken:
            return broken
        if not (outcome.out_dir / IMAGE_TAR).is_file():
            return StageResult(status=Status.ERROR, summary=f"the build wrote no {IMAGE_TAR}")
        meta = outcome.metadata
        size = int(meta.get("size", "0") or 0)
        user = meta.get("user", "")
        details = (
            ["runs as root: add a USER line to the Dockerfile's final stage"] if user in ROOT_USERS else []
        )
        revision = meta.get("label:org.opencontainers.image.revision", "")
        return StageResult(
            status=Status.PASSED,
            summary=f"built {meta.get('tag', '?')} for {self.platform}: {size / 1e6:.1f} MB, "
            f"user {user or 'root'}",
            details=tuple(details),
            counts={
                "size_bytes": size,
                "platform": self.platform,
                "user": user or "root",
                "revision": revision[:12],
                "version": meta.get("label:org.opencontainers.image.version", ""),
                "created": meta.get("label:org.opencontainers.image.created", ""),
                "seconds": meta.get("seconds", ""),
            },
            artifacts=(IMAGE_TAR, "build.json"),
        )
