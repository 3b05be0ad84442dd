"""compose: the project's compose stack with the image just built, healthy and answering probes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe
from shipyard.stages.build import build_stage_id
from shipyard.stages.common import ALWAYS_EXCLUDED, DOCS
from shipyard.stages.evaluate_compose import EvaluateCompose
from shipyard.stages.spec import ComposeStep, SourceFilter, Stage

if TYPE_CHECKING:
    from shipyard.config.load import Project

HEALTH_JSON = "compose-health.json"


def probe_label(probe: object) -> str:
    """A probe in a few words, as both executors name it in the health report."""
    if isinstance(probe, HttpProbe):
        return f"http {probe.service}:{probe.port}{probe.path}"
    if isinstance(probe, TcpProbe):
        return f"tcp {probe.service}:{probe.port}"
    if isinstance(probe, ExecProbe):
        return f"exec {probe.service}: {' '.join(probe.command)}"
    return repr(probe)


def compose_stage(project: Project, platform: str) -> Stage:
    """The compose stage, using the image built for `platform`."""
    compose = project.config.compose
    build_id = build_stage_id(platform) if project.has_dockerfile and compose.service else None
    not_applicable = None if project.has_compose else f"no {compose.file}"
    return Stage(
        id="compose",
        group="compose",
        description=f"docker compose up --wait {compose.file} + {len(compose.probes)} probe(s)",
        needs=(build_id,) if build_id else (),
        inputs=SourceFilter(include=("**",), exclude=(*ALWAYS_EXCLUDED, *DOCS)),
        action=ComposeStep(
            file=compose.file,
            service=compose.service,
            image_from=build_id,
            probes=compose.probes,
            timeout=compose.timeout,
            probe_timeout=compose.probe_timeout,
            retries=compose.retries,
        ),
        evaluate=EvaluateCompose(),
        outputs=(HEALTH_JSON,),
        not_applicable=not_applicable,
    )
