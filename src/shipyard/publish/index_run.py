"""Run publish-package: preflight, then upload every distribution; say exactly what landed.

Order:
1. preflight, before anything is sent: the index password is set; SHA256SUMS lists exactly the
   wheel(s) and sdist in `dist/` with their digests; every file's metadata names one project and
   one version; the index answers, and its simple page lists no file of that version (an index
   keeps a version's files forever: re-publishing means a new version);
2. under a lock per index and project, each wheel, then the sdist, is uploaded;
3. `index-publish.json` says what landed after each upload, so a failure part-way leaves a report
   naming the files on the index, and the stage's one line says the release is incomplete.

An index cannot delete (PyPI has no API for it), so "all or none" is as far as preflight can
make it: every refusal it can foresee happens before the first upload.
Secrets never reach argv, logs or reports: every line logged or raised is scrubbed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.errors import PublishError, ShipyardError
from shipyard.index.client import IndexClient
from shipyard.index.endpoints import IndexEndpoints
from shipyard.index.form import read_distribution
from shipyard.index.simple import files_of_version
from shipyard.oci.auth import Credentials
from shipyard.oci.scrub import Scrubber
from shipyard.publish.lock import lock_timeout, publish_lock
from shipyard.publish.log import PublishLog
from shipyard.reports.checksums import verify_checksums
from shipyard.stages.outcome import StageOutcome
from shipyard.stages.package_verdict import CHECKSUMS
from shipyard.stages.publish_package import INDEX_JSON, INDEX_PASSWORD, INDEX_USERNAME, TOKEN_USERNAME

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from shipyard.executor import StepContext
    from shipyard.index.form import Distribution
    from shipyard.stages.spec import IndexPublishStep, Stage


def index_credentials(values: Mapping[str, str]) -> Credentials:
    """The index password (or API token) and user (`__token__` when unset), or a PublishError."""
    password = values.get(INDEX_PASSWORD, "")
    if not password:
        raise PublishError(
            f"publishing to a package index needs {INDEX_PASSWORD} set in shipyard's environment",
            fix=f"export it (an API token; {INDEX_USERNAME} too when the index wants a user name) and re-run",
        )
    return Credentials(values.get(INDEX_USERNAME) or TOKEN_USERNAME, password)


@dataclass
class _Report:
    """What index-publish.json says; rewritten after each upload."""

    index: str
    project: str = ""
    version: str = ""
    files: tuple[str, ...] = ()
    uploaded: tuple[str, ...] = ()
    complete: bool = False

    def write(self, out_dir: Path) -> None:
        data = {
            "index": self.index,
            "project": self.project,
            "version": self.version,
            "files": list(self.files),
            "uploaded": list(self.uploaded),
            "complete": self.complete,
        }
        (out_dir / INDEX_JSON).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def run_index_publish(
    stage: Stage, step: IndexPublishStep, context: StepContext, dist: Path, *, timeout: float | None = None
) -> StageOutcome:
    """Upload `dist/`'s distributions, or fail with one scrubbed line saying why and what landed."""
    log = PublishLog(context, Scrubber(v for k, v in context.secrets.items() if k != INDEX_USERNAME))
    report = _Report(index=step.upload_url)
    try:
        credentials = index_credentials(context.secrets)
        log.scrub = Scrubber.for_registry(credentials.username, credentials.password)
        client = IndexClient(IndexEndpoints(upload=step.upload_url, simple=step.simple_url), credentials)
        files = _preflight(client, dist, report, log)
        with publish_lock(
            f"{step.upload_url} {report.project}", timeout=lock_timeout() if timeout is None else timeout
        ):
            _upload_all(client, files, report, context, log)
    except ShipyardError as exc:
        message = log.scrub(exc.one_line())
        log(f"publish-package failed: {message}")
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, error=message)
    return StageOutcome(stage_id=stage.id, out_dir=context.out_dir)


def _preflight(client: IndexClient, dist: Path, report: _Report, log: PublishLog) -> list[Distribution]:
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    if not sdists or not wheels:
        raise PublishError(
            f"{dist} holds {len(wheels)} wheel(s) and {len(sdists)} sdist(s); a release needs both",
            fix="let the package stage pass before publish-package",
        )
    names = [p.name for p in (*wheels, *sdists)]
    if not (dist / CHECKSUMS).is_file():
        raise PublishError(f"{dist} has no {CHECKSUMS}", fix="re-run the package stage, which writes it")
    checked = verify_checksums(dist, name=CHECKSUMS, include=names)
    if not checked.ok:
        wrong = [*checked.mismatched, *checked.missing, *checked.unlisted]
        raise PublishError(
            f"{dist / CHECKSUMS} does not match the distributions ({', '.join(wrong)})",
            fix="re-run the package stage; never edit dist/ between package and publish",
        )
    files = [read_distribution(p) for p in (*wheels, *sdists)]
    projects = {(f.name, f.version) for f in files}
    if len(projects) != 1:
        listed = ", ".join(sorted(f"{n} {v}" for n, v in projects))
        raise PublishError(f"{dist} mixes releases: {listed}", fix="re-run the package stage on one commit")
    report.project, report.version = files[0].name, files[0].version
    report.files = tuple(names)
    log(f"{CHECKSUMS} verified: {', '.join(names)}")
    there = files_of_version(client.listed(report.project), report.project, report.version)
    if there:
        raise PublishError(
            f"{report.project} {report.version} is already on {client.endpoints.simple} ({', '.join(there)})",
            fix="bump the version in pyproject.toml (and tag it) and publish the new version",
        )
    log(f"{report.project} {report.version} is not on {client.endpoints.simple} yet")
    return files


def _upload_all(
    client: IndexClient, files: list[Distribution], report: _Report, context: StepContext, log: PublishLog
) -> None:
    report.write(context.out_dir)
    for distribution in files:
        try:
            client.upload(distribution)
        except PublishError as exc:
            if not report.uploaded:
                raise
            landed = ", ".join(report.uploaded)
            missing = ", ".join(f for f in report.files if f not in report.uploaded)
            raise PublishError(
                f"the release {report.project} {report.version} is incomplete on {client.endpoints.upload}: "
                f"{landed} landed, {missing} did not: {exc.message}",
                fix=f"upload the rest by hand (`twine upload` of {missing}) or yank the release and "
                "publish a new version",
            ) from exc
        report.uploaded = (*report.uploaded, distribution.path.name)
        report.write(context.out_dir)
        log(f"uploaded {distribution.path.name}")
    report.complete = True
    report.write(context.out_dir)
    log(f"published {report.project} {report.version} to {client.endpoints.upload}")
