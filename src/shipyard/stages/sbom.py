"""sbom: syft on the host platform's image tarball, as CycloneDX JSON and SPDX JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.stages.build import SCAN_TAR, build_stage_id, local_tag
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, ImageInput, SourceFilter, Stage
from shipyard.stages.verdicts import broken_run, missing, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.parsers.sbom import Sbom
    from shipyard.stages.outcome import StageOutcome


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
            images_from=(ImageInput(build_id, f"{IMAGE_DIR}/{SCAN_TAR}", local_tag(project, platform)),),
            workdir="/tmp",  # noqa: S108 - syft's own image works from /tmp (it fails from /)
        ),
        evaluate=EvaluateSbom(),
        outputs=(CYCLONEDX_JSON, SPDX_JSON),
        not_applicable=None if project.has_dockerfile else f"no {project.config.image.dockerfile}",
    )


@dataclass(frozen=True)
class EvaluateSbom:
    """No gate: the SBOM must exist and be well-formed."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the SBOM stage."""
        from shipyard.parsers.sbom import parse_sbom  # noqa: PLC0415 - not on a cache hit

        broken = broken_run(outcome)
        if broken:
            return broken
        documents: list[Sbom] = []
        for name in (CYCLONEDX_JSON, SPDX_JSON):
            found = report(outcome, name)
            if found is None:
                return missing(outcome, "syft", name)
            documents.append(parse_sbom(found[0], source=found[1]))
        cyclonedx = documents[0]
        python = [p for p in cyclonedx.packages if (p.purl or "").startswith("pkg:pypi/")]
        return StageResult(
            status=Status.PASSED,
            summary=f"{len(cyclonedx.packages)} packages ({len(python)} Python) in CycloneDX and SPDX",
            counts={"packages": len(cyclonedx.packages), "python_packages": len(python)},
            artifacts=(CYCLONEDX_JSON, SPDX_JSON),
        )
