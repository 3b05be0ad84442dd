"""The package stage's verdict: every check over the files its commands wrote, each true or skipped.

Checks: the build ran; `twine check --strict` passed every distribution (the metadata renders on
the index); check-wheel-contents found nothing; the wheel holds the sdist's library sources; a
pure wheel is tagged py3-none-any; on a release ref the version is the tag's; SHA256SUMS matches
the distributions. The SBOM must be there (it is an output, not a verdict).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from packaging.version import Version

from shipyard.errors import ReportError
from shipyard.reports.checksums import parse_checksums, sha256_file
from shipyard.stages.package_contents import (
    bad_pure_tags,
    missing_from_wheel,
    read_sdist,
    read_wheel,
    tag_version,
)
from shipyard.stages.result import StageResult, Status
from shipyard.stages.verdicts import broken_run, last_line

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.stages.outcome import CommandOutcome, StageOutcome
    from shipyard.stages.package_contents import WheelInfo

DIST = "dist"
"""The stage's distributions folder (inside its output folder): wheel, sdist, SHA256SUMS, SBOM, stamp."""
BUILD_TXT = "build.txt"
TWINE_TXT = "twine-check.txt"
WHEEL_CONTENTS_TXT = "check-wheel-contents.txt"
SBOM_JSON = "sbom.cdx.json"
"""The CycloneDX SBOM of what the wheel installs, in DIST."""
CHECKSUMS = "SHA256SUMS"
STAMP_JSON = "stamp.json"
MAY_FAIL = ("build", "twine-check", "check-wheel-contents", "seal", "sbom-install", "syft")
"""The commands whose failure is judged here (the tools' own setup must succeed)."""
BACKEND_MISSING = ("BackendUnavailable", "is not available", "Failed to import build backend")
README_FIX = (
    "correct the markup of the file [project] readme names, or its content type "
    "(render it locally with `twine check --strict dist/*`)"
)

CheckStatus = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class Check:
    """One check of the package stage and its verdict."""

    name: str
    status: CheckStatus
    text: str = ""
    """For a failure: the cause and the fix; for a skipped check: why it could not run."""

    def line(self) -> str:
        """`twine-check: failed: ...` for the details."""
        return f"{self.name}: {self.status}" + (f": {self.text}" if self.text else "")


def distributions(out_dir: Path) -> tuple[list[Path], list[Path]]:
    """The wheels and sdists the build wrote."""
    dist = out_dir / DIST
    files = sorted(dist.iterdir()) if dist.is_dir() else []
    return [p for p in files if p.name.endswith(".whl")], [p for p in files if p.name.endswith(".tar.gz")]


def _command(outcome: StageOutcome, label: str) -> CommandOutcome | None:
    return next((c for c in outcome.commands if c.label == label), None)


def _text(outcome: StageOutcome, name: str) -> str:
    path = outcome.out_dir / name
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def build_failure(command: CommandOutcome, version_problem: str | None) -> str:
    """The one-line verdict on a failed build: the backend's cause and the fix."""
    tail = command.output_tail
    if version_problem and any(m in tail for m in ("unable to detect version", "NotVCSError")):
        return version_problem
    if any(marker in tail for marker in BACKEND_MISSING):
        fix = "fix [build-system] build-backend and requires in pyproject.toml"
    else:
        fix = "run `python -m build` (uv: `uv build`) in a clean checkout and fix what the backend reports"
    return f"the build failed: {last_line(command)} (fix: {fix})"


def twine_check(outcome: StageOutcome) -> Check:
    """`twine check --strict`: the metadata (the README above all) renders on the index."""
    from shipyard.parsers.twine import parse_twine_check  # noqa: PLC0415 - not on a cache hit

    command = _command(outcome, "twine-check")
    if command is None or command.exit_code == 127:  # noqa: PLR2004 - "command not found"
        return Check("twine-check", "skipped", "twine did not run")
    report = parse_twine_check(_text(outcome, TWINE_TXT), source=str(outcome.out_dir / TWINE_TXT))
    if report.passed and command.exit_code == 0:
        return Check("twine-check", "passed")
    failing = next((f for f in report.files if not f.passed), None)
    if failing is None:
        why = report.errors[0] if report.errors else last_line(command)
        return Check("twine-check", "failed", f"twine check --strict failed: {why} (fix: re-run the build)")
    name = failing.path.rsplit("/", 1)[-1]
    message = failing.messages[0] if failing.messages else "FAILED"
    return Check(
        "twine-check", "failed", f"{name} would not render on the index: {message} (fix: {README_FIX})"
    )


def contents_check(outcome: StageOutcome) -> Check:
    """check-wheel-contents: no bytecode, duplicates, stray top-level names or empty wheel."""
    from shipyard.parsers.wheel_contents import parse_wheel_contents  # noqa: PLC0415 - not on a cache hit

    command = _command(outcome, "check-wheel-contents")
    if command is None or command.exit_code == 127:  # noqa: PLR2004
        return Check("wheel-contents", "skipped", "check-wheel-contents did not run")
    text = _text(outcome, WHEEL_CONTENTS_TXT) or command.output_tail
    report = parse_wheel_contents(text, source=str(outcome.out_dir / WHEEL_CONTENTS_TXT))
    if report.passed and command.exit_code == 0:
        return Check("wheel-contents", "passed")
    if report.problems:
        first = report.problems[0]
        more = f" (+{len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        fix = "list only the library's packages in the build backend's settings"
        return Check(
            "wheel-contents", "failed", f"check-wheel-contents: {first.one_line()}{more} (fix: {fix})"
        )
    why = report.usage_error or last_line(command)
    return Check("wheel-contents", "failed", f"check-wheel-contents checked no wheel: {why}")


def sdist_check(wheel: WheelInfo, sdist: Path) -> Check:
    """The wheel installs every library source the sdist has (tests, docs, examples aside)."""
    missing = list(missing_from_wheel(read_sdist(sdist), wheel))
    if not missing:
        return Check("sdist-in-wheel", "passed")
    first, *rest = missing
    more = f" (+{len(rest)} more)" if rest else ""
    return Check(
        "sdist-in-wheel",
        "failed",
        f"the wheel lacks {first}{more}, which the sdist has "
        "(fix: include the package in the build backend's package list)",
    )


def tags_check(wheel: WheelInfo) -> Check:
    """A pure wheel is tagged py3-none-any."""
    if not wheel.pure:
        return Check("pure-tags", "skipped", f"not a pure wheel ({', '.join(wheel.tags)})")
    bad = bad_pure_tags(wheel)
    if bad is None:
        return Check("pure-tags", "passed")
    fix = "drop the Python-specific tag from the build settings (setuptools: [bdist_wheel] python-tag)"
    return Check("pure-tags", "failed", f"{bad}: it installs on fewer Pythons than it could (fix: {fix})")


def version_check(wheel: WheelInfo, tag: str, ref: str = "") -> Check:
    """On a release ref (a tag), the built version is the tag's."""
    if not tag:
        return Check("version-tag", "skipped", f"not a release ref{f' ({ref})' if ref else ''}")
    wanted = tag_version(tag)
    if wanted is None:
        return Check("version-tag", "skipped", f"tag {tag} names no version")
    if Version(wheel.version) == wanted:
        return Check("version-tag", "passed")
    return Check(
        "version-tag",
        "failed",
        f"version {wheel.version} does not match the tag {tag} "
        f"(fix: set the version to {wanted} in pyproject.toml and re-tag, "
        f"or tag the commit v{wheel.version})",
    )


def checksums_check(outcome: StageOutcome, files: list[Path]) -> Check:
    """SHA256SUMS lists exactly the distributions, with their digests."""
    path = outcome.out_dir / DIST / CHECKSUMS
    if not path.is_file():
        seal = _command(outcome, "seal")
        return Check(
            "checksums", "failed", f"no {CHECKSUMS}: {last_line(seal) if seal else 'seal did not run'}"
        )
    listed = parse_checksums(path.read_text(encoding="utf-8"), source=str(path))
    actual = {p.name: sha256_file(p) for p in files}
    if listed != actual:
        return Check(
            "checksums", "failed", f"{CHECKSUMS} does not match the distributions (fix: re-run the stage)"
        )
    return Check("checksums", "passed")


def sbom_problem(outcome: StageOutcome) -> tuple[str | None, int]:
    """Why the SBOM is missing (None when present) and how many packages it lists."""
    from shipyard.parsers.sbom import parse_sbom  # noqa: PLC0415 - not on a cache hit

    for label in ("sbom-install", "syft"):
        command = _command(outcome, label)
        if command is not None and command.exit_code != 0:
            return f"{label} failed with exit {command.exit_code}: {last_line(command)}", 0
    path = outcome.out_dir / DIST / SBOM_JSON
    if not path.is_file():
        return f"syft wrote no {DIST}/{SBOM_JSON}", 0
    return None, len(parse_sbom(path.read_bytes(), source=str(path)).packages)


@dataclass(frozen=True)
class EvaluatePackage:
    """A failed build or any failed check fails; a missing SBOM is an error."""

    release_tag: str = ""
    """The tag of the release ref being built (empty on branches: the version check is skipped)."""
    ref: str = ""
    reproducible: str | None = None
    """Why the distributions are not reproducible (no commit time), or None."""
    version_problem: str | None = None
    """Why a version from git may be missing (plan.version), with the fix."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge the package stage."""
        broken = broken_run(outcome, may_fail=MAY_FAIL)
        if broken:
            return broken
        build = _command(outcome, "build")
        if build is not None and build.exit_code != 0:
            return StageResult(
                status=Status.FAILED,
                summary=build_failure(build, self.version_problem),
                details=tuple(build.output_tail.splitlines()[-10:]),
                artifacts=(BUILD_TXT,),
            )
        wheels, sdists = distributions(outcome.out_dir)
        if not wheels or not sdists:
            lacking = " and ".join(k for k, found in (("wheel", wheels), ("sdist", sdists)) if not found)
            return StageResult(status=Status.ERROR, summary=f"the build wrote no {lacking} in {DIST}/")
        try:
            wheel = read_wheel(wheels[0])
            checks = [
                twine_check(outcome),
                contents_check(outcome),
                sdist_check(wheel, sdists[0]),
                tags_check(wheel),
                version_check(wheel, self.release_tag, self.ref),
                checksums_check(outcome, [*wheels, *sdists]),
            ]
        except ReportError as exc:
            return StageResult(status=Status.ERROR, summary=exc.one_line())
        if self.reproducible:
            checks.append(Check("reproducible", "skipped", self.reproducible))
        sbom, packages = sbom_problem(outcome)
        return self._result(wheel, [*wheels, *sdists], checks, sbom, packages)

    @staticmethod
    def _result(
        wheel: WheelInfo, files: list[Path], checks: list[Check], sbom: str | None, packages: int
    ) -> StageResult:
        failed = [c for c in checks if c.status == "failed"]
        skipped = [c for c in checks if c.status == "skipped"]
        details = tuple(c.line() for c in checks) + ((f"sbom: {sbom}",) if sbom else ())
        counts: dict[str, int | float | str] = {
            "version": wheel.version,
            "wheel_tags": ", ".join(wheel.tags),
            "checks_passed": sum(c.status == "passed" for c in checks),
            "checks_failed": len(failed),
            "checks_skipped": len(skipped),
            "sbom_packages": packages,
        }
        artifacts = (
            *(f"{DIST}/{p.name}" for p in files),
            *(f"{DIST}/{n}" for n in (CHECKSUMS, STAMP_JSON, SBOM_JSON)),
            TWINE_TXT,
            WHEEL_CONTENTS_TXT,
        )
        if failed:
            more = f" (+{len(failed) - 1} more failed check(s))" if len(failed) > 1 else ""
            summary = failed[0].text + more
            return StageResult(Status.FAILED, summary, details=details, counts=counts, artifacts=artifacts)
        if sbom:
            summary = f"built {wheel.name} {wheel.version} but made no SBOM: {sbom}"
            return StageResult(Status.ERROR, summary, details=details, counts=counts, artifacts=artifacts)
        passed = ", ".join(c.name for c in checks if c.status == "passed")
        skips = "".join(f"; {c.name} skipped: {c.text}" for c in skipped)
        summary = (
            f"built {', '.join(p.name for p in files)}: {passed} passed{skips}; SBOM of {packages} package(s)"
        )
        return StageResult(Status.PASSED, summary, details=details, counts=counts, artifacts=artifacts)
