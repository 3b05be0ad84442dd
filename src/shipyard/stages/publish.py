"""publish: every platform's image as one manifest list per tag, signed, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.oci.reference import target_repository
from shipyard.oci.tags import immutable_tags
from shipyard.stages.build import build_stage_id
from shipyard.stages.common import newest_python, python_image
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import PublishStep, SecretRef, SourceFilter, Stage
from shipyard.stages.verdicts import broken_run, executor_report

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.config.load import Project
    from shipyard.gitinfo import GitInfo
    from shipyard.stages.outcome import StageOutcome


PUBLISH_JSON = "publish.json"
REGISTRY_USERNAME = "SHIPYARD_REGISTRY_USERNAME"
REGISTRY_PASSWORD = "SHIPYARD_REGISTRY_PASSWORD"  # noqa: S105 - the variable's name, not a value
COSIGN_KEY = "COSIGN_KEY"
COSIGN_PASSWORD = "COSIGN_PASSWORD"  # noqa: S105 - the variable's name, not a value


def publish_secrets(*, sign: bool) -> tuple[SecretRef, ...]:
    """The secrets publishing needs, by the environment variable names users set."""
    refs = [SecretRef(name=REGISTRY_USERNAME), SecretRef(name=REGISTRY_PASSWORD)]
    if sign:
        refs += [SecretRef(name=COSIGN_KEY, file="/run/secrets/cosign.key"), SecretRef(name=COSIGN_PASSWORD)]
    return tuple(refs)


@dataclass(frozen=True)
class PublishParams:
    """What the executor needs besides the PublishStep, carried in the stage's params."""

    immutable: tuple[str, ...]
    """The concrete tags that must not exist yet (from [tool.shipyard.publish] immutable)."""
    cosign_image: str
    """The pinned cosign image the signing binary comes from."""
    cosign_binary: str
    """The binary's path inside that image."""
    signer_image: str
    """An image with a POSIX shell that an executor may run the cosign binary in (the pinned cosign
    image has no shell to write cosign's registry config with)."""

    def to_params(self) -> dict[str, str]:
        """As stage params (strings; part of the stage's digest)."""
        return {
            "immutable": ",".join(self.immutable),
            "cosign_image": self.cosign_image,
            "cosign_binary": self.cosign_binary,
            "signer_image": self.signer_image,
        }


def publish_params(params: Mapping[str, str]) -> PublishParams:
    """Read PublishParams back from a stage's params."""
    return PublishParams(
        immutable=tuple(t for t in params.get("immutable", "").split(",") if t),
        cosign_image=params.get("cosign_image", ""),
        cosign_binary=params.get("cosign_binary", ""),
        signer_image=params.get("signer_image", ""),
    )


def publish_repository(project: Project) -> str:
    """Where publish pushes: the image name when it names a registry host, else under the registry."""
    return target_repository(project.image_name, project.config.publish.registry)


def publish_stage(
    project: Project,
    platforms: tuple[str, ...],
    tags: tuple[str, ...],
    needs: tuple[str, ...],
    git: GitInfo | None = None,
) -> Stage:
    """The publish stage: needs every other stage of the run to have passed."""
    publish = project.config.publish
    builds = tuple(build_stage_id(p) for p in platforms)
    cosign = project.config.tools["cosign"]
    params = PublishParams(
        immutable=immutable_tags(
            tags=tags, sha=git.sha if git else None, ref=git.ref if git else None, rules=publish.immutable
        ),
        cosign_image=cosign.pinned,
        cosign_binary=cosign.binary,
        signer_image=python_image(project, newest_python(project)),
    )
    return Stage(
        id="publish",
        group="publish",
        description=f"push {len(platforms)} platform(s) as one manifest list: {', '.join(tags) or 'no tags'}",
        needs=tuple(dict.fromkeys((*builds, *needs))),
        inputs=SourceFilter(include=()),
        action=PublishStep(
            repository=publish_repository(project),
            tags=tags,
            images_from=builds,
            sign=publish.sign,
            secrets=publish_secrets(sign=publish.sign),
        ),
        evaluate=EvaluatePublish(),
        outputs=(PUBLISH_JSON,),
        params=params.to_params(),
        not_applicable=None if project.has_dockerfile else f"no {project.config.image.dockerfile}",
        cacheable=False,
    )


@dataclass(frozen=True)
class EvaluatePublish:
    """Preflight refusals and failed pushes fail; the digest and refs are recorded."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the publish stage from the executor's publish report."""
        broken = broken_run(outcome)
        if broken:
            return broken
        data = executor_report(outcome, PUBLISH_JSON, "publish")
        if isinstance(data, StageResult):
            return data
        refs = [str(r) for r in data.get("refs", [])]
        digest = str(data.get("digest", ""))
        return StageResult(
            status=Status.PASSED,
            summary=f"published {digest[:19]} as {', '.join(refs)}",
            counts={"digest": digest, "tags": len(refs), "signed": str(bool(data.get("signed")))},
            artifacts=(PUBLISH_JSON,),
        )
