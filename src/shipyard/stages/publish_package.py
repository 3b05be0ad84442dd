"""publish-package: upload the package stage's wheel and sdist to a package index.

Full tier only, after every gate of the full tier passed (like the image publish), and only when
`[tool.shipyard.publish] index` names an index. The upload itself is the core's
(shipyard.publish.index_run), engine-free; an executor only hands it the package stage's `dist/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.index.endpoints import index_endpoints
from shipyard.stages.package import PACKAGE_ID
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import IndexPublishStep, SecretRef, SourceFilter, Stage
from shipyard.stages.verdicts import broken_run, executor_report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.outcome import StageOutcome

PUBLISH_PACKAGE_ID = "publish-package"
INDEX_JSON = "index-publish.json"
"""What landed on the index: written before the first upload and after each one."""
INDEX_USERNAME = "SHIPYARD_INDEX_USERNAME"
INDEX_PASSWORD = "SHIPYARD_INDEX_PASSWORD"  # noqa: S105 - the variable's name, not a value
TOKEN_USERNAME = "__token__"  # noqa: S105 - a user name, not a password
"""The user name an API token goes with (PyPI, TestPyPI, most hosted indexes): the default."""
INDEX_SECRETS = (SecretRef(name=INDEX_USERNAME), SecretRef(name=INDEX_PASSWORD))


def publish_package_stage(project: Project, needs: tuple[str, ...]) -> Stage:
    """The publish-package stage: needs every other stage of the run (the package stage among them)."""
    publish = project.config.publish
    index = publish.index or ""
    endpoints = index_endpoints(index, publish.index_url) if index else None
    return Stage(
        id=PUBLISH_PACKAGE_ID,
        group="publish",
        description=f"upload dist/ (wheel + sdist) to {endpoints.upload if endpoints else 'no index'}",
        needs=tuple(dict.fromkeys((PACKAGE_ID, *needs))),
        inputs=SourceFilter(include=()),
        action=IndexPublishStep(
            upload_url=endpoints.upload if endpoints else "",
            simple_url=endpoints.simple if endpoints else "",
            dist_from=PACKAGE_ID,
            secrets=INDEX_SECRETS,
        ),
        evaluate=EvaluateIndexPublish(),
        outputs=(INDEX_JSON,),
        not_applicable=None if endpoints else "no [tool.shipyard.publish] index to upload to",
        cacheable=False,
    )


@dataclass(frozen=True)
class EvaluateIndexPublish:
    """A refused preflight or a failed upload is an error (its one line says what landed); else passed."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge publish-package from the core's upload report."""
        broken = broken_run(outcome)
        if broken:
            return broken
        data = executor_report(outcome, INDEX_JSON, PUBLISH_PACKAGE_ID)
        if isinstance(data, StageResult):
            return data
        uploaded = [str(name) for name in data.get("uploaded", [])]
        return StageResult(
            status=Status.PASSED,
            summary=f"uploaded {', '.join(uploaded)} to {data.get('index', '?')}",
            counts={"files": len(uploaded), "version": str(data.get("version", ""))},
            artifacts=(INDEX_JSON,),
        )
