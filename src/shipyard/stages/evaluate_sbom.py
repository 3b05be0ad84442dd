"""The SBOM stage's verdict: both documents exist and parse; the package count is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.parsers.sbom import Sbom, parse_sbom
from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run, missing, report

if TYPE_CHECKING:
    from shipyard.stages.outcome import StageOutcome

CYCLONEDX_JSON = "sbom.cdx.json"
SPDX_JSON = "sbom.spdx.json"


@dataclass(frozen=True)
class EvaluateSbom:
    """No gate: the SBOM must exist and be well-formed."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the SBOM stage."""
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
