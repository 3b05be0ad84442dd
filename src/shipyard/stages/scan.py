"""scan: gitleaks over git history; trivy over the source tree and the built image.

trivy looks for vulnerabilities, misconfigurations and secrets.

Each scanner part reports separately. A part that cannot run (no vulnerability DB on an
air-gapped host, say) is recorded as skipped with its reason: never as a pass.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.config.models import ScanConfig  # noqa: TC001 - as above
from shipyard.stages.build import SCAN_TAR, build_stage_id, local_tag
from shipyard.stages.common import ALWAYS_EXCLUDED, TRIVY_CACHE
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import (
    OUTDIR,
    WORKDIR,
    Command,
    ContainerStep,
    ImageInput,
    SourceFilter,
    Stage,
    VolumeFile,
)
from shipyard.stages.verdicts import broken_run, last_line, report

if TYPE_CHECKING:
    import datetime as dt

    from shipyard.config.load import Project
    from shipyard.gitinfo import GitInfo
    from shipyard.parsers.findings import Finding
    from shipyard.stages.outcome import StageOutcome


GITLEAKS_JSON = "gitleaks.json"
TRIVY_SOURCE_JSON = "trivy-source.json"
TRIVY_DEPS_JSON = "trivy-deps.json"
TRIVY_IMAGE_SECRETS_JSON = "trivy-image-secrets.json"
TRIVY_IMAGE_VULNS_JSON = "trivy-image-vulns.json"
IMAGE_DIR = "/in/image"
PACKAGE_README = "**/*.dist-info/METADATA"
"""Installed packages' metadata (their rendered READMEs): documentation, not leaked secrets."""
TRIVY_ENV = {
    "TRIVY_NO_PROGRESS": "true",
    "TRIVY_CACHE_DIR": TRIVY_CACHE.path,
    "TRIVY_DISABLE_TELEMETRY": "true",
}


TRIVY_OFF = "trivy is disabled in [tool.shipyard.scan]"
TRIVY_DB_METADATA = "db/metadata.json"
"""Rewritten by trivy with each vulnerability DB it downloads (relative to TRIVY_CACHE_DIR)."""


def _git_root(project: Project, git: GitInfo) -> Path:
    """The repository the project is in: git's own toplevel, else the project root itself."""
    return Path(git.toplevel) if git.toplevel else project.root


def _history_not_applicable(project: Project, git: GitInfo) -> str | None:
    if not project.config.scan.gitleaks:
        return "gitleaks is disabled in [tool.shipyard.scan]"
    dot_git = _git_root(project, git) / ".git"
    if dot_git.is_file():
        return (
            f"{dot_git} is a file (a worktree or a submodule), not a repository's history; "
            "run shipyard in the main checkout to scan it"
        )
    if not dot_git.exists():
        return "not in a git repository (gitleaks scans a repository's history)"
    return None


def _image_not_applicable(project: Project) -> str | None:
    if not project.config.scan.trivy:
        return TRIVY_OFF
    if not project.has_dockerfile:
        return f"no {project.config.image.dockerfile}"
    return None


def _evaluate(project: Project, today: dt.date, *parts: ScanPart) -> EvaluateScan:
    return EvaluateScan(config=project.config.scan, today=today, parts=parts)


def history_stage(project: Project, today: dt.date, git: GitInfo) -> Stage:
    """Gitleaks over the git history: the whole repository's, or the project's part of it."""
    gitleaks = project.config.tools["gitleaks"]
    inside = git.prefix.strip("/")
    # a project inside a repository (`backend/`) is judged on the commits that touched it
    log_opts = (f"--log-opts=-- {inside}",) if inside else ()
    git_root = os.path.relpath(_git_root(project, git), project.root)
    return Stage(
        id="scan-history",
        group="scan",
        description="gitleaks: secrets in git history",
        needs=(),
        inputs=SourceFilter(include=(), git_history=True, git_root=git_root),
        action=ContainerStep(
            image=gitleaks.pinned,
            commands=(
                Command(
                    argv=(
                        gitleaks.binary,
                        # `detect` works in every gitleaks 8.x (8.19+ also has `git`)
                        "detect",
                        f"--source={WORKDIR}",
                        "--no-banner",
                        "--redact",
                        "--report-format=json",
                        f"--report-path={OUTDIR}/{GITLEAKS_JSON}",
                        "--exit-code=1",
                        *log_opts,
                    ),
                    may_fail=True,
                    label="gitleaks",
                ),
            ),
            network=False,
        ),
        evaluate=_evaluate(
            project, today, ScanPart("gitleaks", GITLEAKS_JSON, "gitleaks", ok_exit_codes=(0, 1))
        ),
        outputs=(GITLEAKS_JSON,),
        not_applicable=_history_not_applicable(project, git),
    )


def _vuln_db(project: Project) -> tuple[VolumeFile, ...]:
    """The vulnerability DB in trivy's cache volume: a verdict holds only while it is the same."""
    return (
        VolumeFile(cache=TRIVY_CACHE, path=TRIVY_DB_METADATA, image=project.config.tools["trivy"].pinned),
    )


def _trivy(project: Project, *args: str, label: str, output: str) -> Command:
    trivy = project.config.tools["trivy"]
    return Command(
        argv=(trivy.binary, *args, "--format=json", f"--output={OUTDIR}/{output}"),
        may_fail=True,
        label=label,
    )


def source_stage(project: Project, today: dt.date) -> Stage:
    """Trivy over the working tree: secrets, misconfigurations, vulnerable dependencies."""
    trivy = project.config.tools["trivy"]
    return Stage(
        id="scan-source",
        group="scan",
        description="trivy fs: secrets, misconfigurations, vulnerable dependencies",
        needs=(),
        inputs=SourceFilter(include=("**",), exclude=ALWAYS_EXCLUDED),
        action=ContainerStep(
            image=trivy.pinned,
            commands=(
                _trivy(
                    project,
                    "fs",
                    "--scanners=secret,misconfig",
                    "--skip-check-update",
                    WORKDIR,
                    label="secret,misconfig",
                    output=TRIVY_SOURCE_JSON,
                ),
                _trivy(project, "fs", "--scanners=vuln", WORKDIR, label="vuln", output=TRIVY_DEPS_JSON),
            ),
            env=TRIVY_ENV,
            caches=(TRIVY_CACHE,),
        ),
        evaluate=_evaluate(
            project,
            today,
            ScanPart("secret,misconfig", TRIVY_SOURCE_JSON, "trivy"),
            ScanPart("vuln", TRIVY_DEPS_JSON, "trivy"),
        ),
        outputs=(TRIVY_SOURCE_JSON, TRIVY_DEPS_JSON),
        not_applicable=None if project.config.scan.trivy else TRIVY_OFF,
        observes=_vuln_db(project),
    )


def image_stage(project: Project, platform: str, today: dt.date) -> Stage:
    """Trivy over the built image: secrets baked into layers, vulnerable OS and Python packages."""
    trivy = project.config.tools["trivy"]
    build_id = build_stage_id(platform)
    tarball = f"{IMAGE_DIR}/{SCAN_TAR}"
    return Stage(
        id="scan-image",
        group="scan",
        description=f"trivy image: secrets and vulnerabilities in the {platform} image",
        needs=(build_id,),
        inputs=SourceFilter(include=()),
        action=ContainerStep(
            image=trivy.pinned,
            commands=(
                _trivy(
                    project,
                    "image",
                    f"--input={tarball}",
                    "--scanners=secret",
                    # a wheel's METADATA is its README (PyJWT's shows a sample token); trivy
                    # itself skips it under /usr/local/lib/python*, not in a --target directory
                    f"--skip-files={PACKAGE_README}",
                    label="secret",
                    output=TRIVY_IMAGE_SECRETS_JSON,
                ),
                _trivy(
                    project,
                    "image",
                    f"--input={tarball}",
                    "--scanners=vuln",
                    label="vuln",
                    output=TRIVY_IMAGE_VULNS_JSON,
                ),
            ),
            env=TRIVY_ENV,
            caches=(TRIVY_CACHE,),
            images_from=(ImageInput(build_id, tarball, local_tag(project, platform)),),
        ),
        evaluate=_evaluate(
            project,
            today,
            ScanPart("secret", TRIVY_IMAGE_SECRETS_JSON, "trivy"),
            ScanPart("vuln", TRIVY_IMAGE_VULNS_JSON, "trivy"),
        ),
        outputs=(TRIVY_IMAGE_SECRETS_JSON, TRIVY_IMAGE_VULNS_JSON),
        not_applicable=_image_not_applicable(project),
        observes=_vuln_db(project),
    )


NO_DB_MARKERS = ("vulnerability db", "db error")
MAX_REASON = 160


def lacks_db(line: str) -> bool:
    """Whether a scanner's last error line says it has no vulnerability DB."""
    return any(marker in line.lower() for marker in NO_DB_MARKERS)


def why_not_run(tool: str, code: int, line: str) -> str:
    """A short reason a scanner part could not run, from its last error line."""
    if lacks_db(line):
        return f"{tool} has no vulnerability DB and cannot download one here (air-gapped or offline)"
    reason = re.sub(r"^\S*\d{4}-\d\d-\d\dT\S+\s+", "", line)  # drop the tool's timestamp
    reason = re.sub(r"^(FATAL|ERROR)\s+", "", reason)
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 1] + "…"
    return f"{tool} could not run (exit {code}): {reason}"


@dataclass(frozen=True)
class ScanPart:
    """One scanner invocation of a scan stage and the report it writes."""

    label: str
    """The command's label, e.g. `gitleaks`, `vuln`, `secret,misconfig`."""
    report: str
    tool: str
    """`gitleaks` or `trivy`: which parser reads the report."""
    ok_exit_codes: tuple[int, ...] = (0,)
    """Exit codes meaning the tool ran (gitleaks exits 1 when it finds leaks)."""


@dataclass(frozen=True)
class EvaluateScan:
    """Severity threshold, unfixed vulnerabilities and an allowlist with expiry, over every part."""

    config: ScanConfig
    today: dt.date
    parts: tuple[ScanPart, ...]

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge a scan stage."""
        # here, not at the top: a stage that was a cache hit loads no parser or gate
        from shipyard.gates.scan import scan_gate  # noqa: PLC0415 - as above
        from shipyard.parsers.gitleaks import parse_gitleaks  # noqa: PLC0415 - as above
        from shipyard.parsers.trivy import parse_trivy  # noqa: PLC0415 - as above

        broken = broken_run(outcome, may_fail=tuple(p.label for p in self.parts))
        if broken:
            return broken
        findings: list[Finding] = []
        skipped: list[str] = []
        without_db = 0
        ran: list[str] = []
        artifacts: list[str] = []
        for part in self.parts:
            code = outcome.exit_code(part.label)
            found = report(outcome, part.report)
            if code is None:
                skipped.append(f"{part.label}: skipped: did not run")
                continue
            if code not in part.ok_exit_codes or found is None:
                command = next(c for c in outcome.commands if c.label == part.label)
                without_db += lacks_db(last_line(command))
                skipped.append(f"{part.label}: skipped: {why_not_run(part.tool, code, last_line(command))}")
                continue
            parsed = (
                parse_gitleaks(found[0], source=found[1])
                if part.tool == "gitleaks"
                else parse_trivy(found[0], source=found[1])
            )
            findings.extend(parsed.findings)
            ran.append(part.label)
            artifacts.append(part.report)
        gate = scan_gate(findings, self.config, today=self.today)
        counts: dict[str, int | float | str] = {
            "findings": len(findings),
            "counted": len(gate.counted),
            "suppressed": len(gate.suppressed),
            "skipped_parts": len(skipped),
        }
        for severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"):
            counts[severity.lower()] = sum(1 for f in findings if f.severity == severity)
        details = (*gate.reasons, *gate.notes, *skipped)
        hidden = {item.finding for item in gate.suppressed}
        result = StageResult(
            status=Status.PASSED,
            summary=gate.summary,
            details=details,
            counts=counts,
            artifacts=tuple(artifacts),
            findings=tuple(f for f in findings if f not in hidden),
            suppressed=gate.suppressed,
        )
        if not gate.passed:
            return replace(result, status=Status.FAILED)
        if skipped:
            ran_text = f"; ran {', '.join(ran)}: {gate.summary}" if ran else ""
            # a skip for want of a DB alone holds while the DB does not change (Stage.observes)
            return replace(
                result,
                status=Status.SKIPPED,
                summary=f"{'; '.join(skipped)}{ran_text}",
                reusable=without_db == len(skipped),
            )
        return result
