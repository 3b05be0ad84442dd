"""publish: every platform's image as one manifest list per tag, signed, all or nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.stages.build import build_stage_id
from shipyard.stages.evaluate_publish import EvaluatePublish
from shipyard.stages.spec import PublishStep, SecretRef, SourceFilter, Stage

if TYPE_CHECKING:
    from shipyard.config.load import Project

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


def publish_stage(
    project: Project, platforms: tuple[str, ...], tags: tuple[str, ...], needs: tuple[str, ...]
) -> Stage:
    """The publish stage: needs every other stage of the run to have passed."""
    publish = project.config.publish
    builds = tuple(build_stage_id(p) for p in platforms)
    return Stage(
        id="publish",
        group="publish",
        description=f"push {len(platforms)} platform(s) as one manifest list: {', '.join(tags) or 'no tags'}",
        needs=tuple(dict.fromkeys((*builds, *needs))),
        inputs=SourceFilter(include=()),
        action=PublishStep(
            repository=project.image_name,
            tags=tags,
            images_from=builds,
            sign=publish.sign,
            secrets=publish_secrets(sign=publish.sign),
        ),
        evaluate=EvaluatePublish(),
        outputs=(PUBLISH_JSON,),
        not_applicable=None if project.has_dockerfile else f"no {project.config.image.dockerfile}",
    )
