"""compose: the project's compose stack with the image just built, healthy and answering probes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.stages.build import build_stage_id
from shipyard.stages.common import ALWAYS_EXCLUDED, DOCS, newest_python, python_image
from shipyard.stages.compose_observation import HEALTH_JSON
from shipyard.stages.evaluate_compose import EvaluateCompose
from shipyard.stages.probe_verdict import probe_label
from shipyard.stages.spec import ComposeStep, SourceFilter, Stage

if TYPE_CHECKING:
    from shipyard.config.load import Project

__all__ = ["HEALTH_JSON", "compose_stage", "probe_label"]


def compose_stage(project: Project, platform: str) -> Stage:
    """The compose stage, using the image built for `platform`."""
    compose = project.config.compose
    build_id = build_stage_id(platform) if project.has_dockerfile and compose.service else None
    not_applicable = None if project.has_compose else f"no {compose.file}"
    step = ComposeStep(
        file=compose.file,
        service=compose.service,
        image_from=build_id,
        probes=compose.probes,
        timeout=compose.timeout,
        probe_timeout=compose.probe_timeout,
        retries=compose.retries,
        probe_image=python_image(project, newest_python(project)),
    )
    return Stage(
        id="compose",
        group="compose",
        description=f"docker compose up --wait {compose.file} + {len(compose.probes)} probe(s)",
        needs=(build_id,) if build_id else (),
        inputs=SourceFilter(include=("**",), exclude=(*ALWAYS_EXCLUDED, *DOCS)),
        action=step,
        evaluate=EvaluateCompose(step),
        outputs=(HEALTH_JSON,),
        not_applicable=not_applicable,
    )
