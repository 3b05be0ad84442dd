"""build: the project's Dockerfile, one image per platform, exported as a tarball downstream."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.oci.labels import oci_labels
from shipyard.stages.common import ALWAYS_EXCLUDED, DOCS, metadata_kept
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import BuildStep, SourceFilter, Stage
from shipyard.stages.verdicts import broken_run

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.gitinfo import GitInfo
    from shipyard.stages.outcome import StageOutcome


IMAGE_TAR = "image.tar"
"""The image as `docker save` writes it (an OCI layout): what publish pushes."""
SCAN_TAR = "image.docker.tar"
"""The name the scanners see the image by: a docker-archive with uncompressed layers that each
executor derives from IMAGE_TAR for a step that asks for it (spec.ImageInput); never kept."""
METADATA_JSON = "build.json"


def build_stage_id(platform: str) -> str:
    """`build-linux-arm64` for linux/arm64."""
    return "build-" + platform.replace("/", "-")


def local_tag(project: Project, platform: str) -> str:
    """The reference a built image is known by on the engine (never pushed under this name)."""
    return f"{project.image_name}:shipyard-{platform.rsplit('/', maxsplit=1)[-1]}"


_UNKNOWN_SOURCE = "https://unknown.invalid/"


def source_url(project: Project) -> str | None:
    """The repository URL for the `source` label: GitHub Actions' view, else ghcr.io's convention."""
    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    if server and repository:
        return f"{server}/{repository}"
    name = project.config.image.name or ""
    if name.startswith("ghcr.io/"):
        return "https://github.com/" + "/".join(name.removeprefix("ghcr.io/").split("/")[:2])
    return None


def image_labels(project: Project, git: GitInfo) -> dict[str, str]:
    """OCI labels stamped on the image: which commit, when (commit time: reproducible), what version."""
    if git.sha is None or git.committed is None:
        return {
            "org.opencontainers.image.title": project.name,
            "org.opencontainers.image.version": project.version,
        }
    source = source_url(project)
    labels = oci_labels(
        source=source or _UNKNOWN_SOURCE,
        revision=git.sha,
        created=git.committed,
        title=project.name,
        version=project.version,
    )
    if source is None:
        labels.pop("org.opencontainers.image.source", None)
    return labels


def build_stage(project: Project, platform: str, git: GitInfo) -> Stage:
    """The build stage of `project` for `platform`."""
    image = project.config.image
    labels = image_labels(project, git)
    build_args = {
        **image.build_args,
        "REVISION": labels.get("org.opencontainers.image.revision", ""),
        "VERSION": project.version,
        "CREATED": labels.get("org.opencontainers.image.created", ""),
        # BuildKit stamps the image config's and history's times from it: same commit, same image
        **({"SOURCE_DATE_EPOCH": str(int(git.committed.timestamp()))} if git.committed else {}),
    }
    # the filter's globs match normalized relative paths: `./docker/Dockerfile` is `docker/Dockerfile`
    context = posixpath.normpath(image.context)
    prefix = "" if context == "." else f"{context}/"
    not_applicable = None if project.has_dockerfile else f"no {image.dockerfile}"
    return Stage(
        id=build_stage_id(platform),
        group="build",
        description=f"docker build {image.dockerfile} for {platform}",
        needs=(),
        inputs=SourceFilter(
            include=(f"{prefix}**", posixpath.normpath(image.dockerfile)),
            exclude=(*ALWAYS_EXCLUDED, *DOCS),
            keep=metadata_kept(project),
        ),
        action=BuildStep(
            context=image.context,
            dockerfile=image.dockerfile,
            platform=platform,
            tag=local_tag(project, platform),
            target=image.target,
            build_args=build_args,
            labels=labels,
        ),
        evaluate=EvaluateBuild(platform=platform),
        outputs=(IMAGE_TAR, METADATA_JSON),
        not_applicable=not_applicable,
    )


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
        # the verdict reads the build's metadata; where the image itself lives is the executor's
        # (a tarball beside it on the Docker executor, an engine object on Dagger)
        if not (outcome.out_dir / METADATA_JSON).is_file():
            return StageResult(status=Status.ERROR, summary=f"the build wrote no {METADATA_JSON}")
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
            artifacts=tuple(n for n in (IMAGE_TAR, METADATA_JSON) if (outcome.out_dir / n).is_file()),
        )
