"""sbom: syft on the host platform's image tarball, as CycloneDX JSON and SPDX JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.stages.build import SCAN_TAR, build_stage_id
from shipyard.stages.evaluate_sbom import EvaluateSbom
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, SourceFilter, Stage

if TYPE_CHECKING:
    from shipyard.config.load import Project

CYCLONEDX_JSON = "sbom.cdx.json"
SPDX_JSON = "sbom.spdx.json"
IMAGE_DIR = "/in/image"


def sbom_stage(project: Project, platform: str) -> Stage:
    """The SBOM stage, over the image built for `platform`."""
    syft = project.config.tools["syft"]
    build_id = build_stage_id(platform)
    return Stage(
        id="sbom",
        group="sbom",
        description=f"syft SBOM of the {platform} image (CycloneDX + SPDX)",
        needs=(build_id,),
        inputs=SourceFilter(include=()),
        action=ContainerStep(
            image=syft.pinned,
            commands=(
                Command(
                    argv=(
                        syft.binary,
                        "scan",
                        f"docker-archive:{IMAGE_DIR}/{SCAN_TAR}",
                        "--quiet",
                        "-o",
                        f"cyclonedx-json={OUTDIR}/{CYCLONEDX_JSON}",
                        "-o",
                        f"spdx-json={OUTDIR}/{SPDX_JSON}",
                    ),
                    label="syft",
                ),
            ),
            env={"SYFT_CHECK_FOR_APP_UPDATE": "false"},
            network=False,
            inputs_from=((build_id, IMAGE_DIR),),
            workdir="/tmp",  # noqa: S108 - syft's own image works from /tmp (it fails from /)
        ),
        evaluate=EvaluateSbom(),
        outputs=(CYCLONEDX_JSON, SPDX_JSON),
        not_applicable=None if project.has_dockerfile else f"no {project.config.image.dockerfile}",
    )
