"""The package stage's and the smoke legs' evaluate functions on captured real output.

The distributions are the real ones the package stage built (fixtures/tools/package): semverlite
(flit_core, clean) and layoutdemo (hatchling with the wheel listing `tests` and missing `src/other`).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from shipyard.config.load import load_project
from shipyard.gitinfo import NO_GIT, GitInfo
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.package import PACKAGE_TOOLS, package_stage, release_tag
from shipyard.stages.package_contents import read_wheel
from shipyard.stages.package_smoke import EvaluateSmoke, smoke_stage
from shipyard.stages.package_verdict import (
    DIST,
    MAY_FAIL,
    TWINE_TXT,
    WHEEL_CONTENTS_TXT,
    EvaluatePackage,
    tags_check,
)
from shipyard.stages.result import Status
from shipyard.stages.spec import ContainerStep, FilesInput

REPO = Path(__file__).parents[3]
TOOLS = REPO / "tests" / "fixtures" / "tools"
LIBRARY = load_project(REPO / "examples" / "library")
GIT = GitInfo(
    sha="0123456789abcdef0123456789abcdef01234567",
    ref="refs/tags/v1.4.0",
    committed=dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc),
    dirty=False,
    history=None,
)


def commands(**codes: int) -> tuple[CommandOutcome, ...]:
    labels = ("tools-venv", "install-tools", *MAY_FAIL)
    return tuple(
        CommandOutcome(label=n, argv=(n,), exit_code=codes.get(n.replace("-", "_"), 0)) for n in labels
    )


def package_out(tmp_path: Path, dist: str, twine: str, contents: str) -> Path:
    shutil.copytree(TOOLS / "package" / dist, tmp_path / DIST)
    shutil.copyfile(TOOLS / twine, tmp_path / TWINE_TXT)
    shutil.copyfile(TOOLS / contents, tmp_path / WHEEL_CONTENTS_TXT)
    return tmp_path


def library_out(tmp_path: Path) -> Path:
    return package_out(tmp_path, "library", "twine/check-passed.txt", "check-wheel-contents/ok.txt")


def test_the_stage_builds_with_the_pinned_tools_and_the_commit_time() -> None:
    stage = package_stage(LIBRARY, GIT)
    assert isinstance(stage.action, ContainerStep)
    step = stage.action
    assert step.image == "python:3.13-slim"
    assert step.env["SOURCE_DATE_EPOCH"] == str(int(GIT.committed.timestamp()))  # type: ignore[union-attr]
    argv = [c.argv for c in step.commands]
    assert argv[1][-len(PACKAGE_TOOLS) :] == PACKAGE_TOOLS
    assert all("==" in pin for pin in PACKAGE_TOOLS)
    assert argv[2][1:3] == ("-m", "build")  # a pip project: python -m build
    assert stage.not_applicable is None
    assert release_tag(GIT) == "v1.4.0"
    assert release_tag(NO_GIT) == ""
    assert "SOURCE_DATE_EPOCH" not in package_stage(LIBRARY, NO_GIT).action.env  # type: ignore[union-attr]


def test_each_smoke_leg_gets_the_package_output_and_no_source() -> None:
    stage = smoke_stage(LIBRARY, "3.10")
    assert stage.needs == ("package",)
    assert stage.inputs.include == ()
    assert isinstance(stage.action, ContainerStep)
    assert stage.action.files_from == (FilesInput("package", "/in/package"),)
    assert stage.action.image == "python:3.10-slim"


def test_a_clean_library_passes_every_check_and_the_version_matches_its_tag(tmp_path: Path) -> None:
    out = library_out(tmp_path)
    result = EvaluatePackage(release_tag="v1.4.0")(StageOutcome("package", out, commands()))
    assert result.status is Status.PASSED, result
    assert result.summary.startswith("built semverlite-1.4.0-py3-none-any.whl, semverlite-1.4.0.tar.gz: ")
    assert "version-tag" in result.summary
    assert result.counts["sbom_packages"] == 1
    assert "dist/SHA256SUMS" in result.artifacts


def test_on_a_branch_the_version_check_is_skipped_with_the_reason(tmp_path: Path) -> None:
    out = library_out(tmp_path)
    result = EvaluatePackage(ref="refs/heads/main")(StageOutcome("package", out, commands()))
    assert result.status is Status.PASSED
    assert "version-tag skipped: not a release ref (refs/heads/main)" in result.summary


def test_a_version_that_does_not_match_the_tag_fails_naming_both(tmp_path: Path) -> None:
    out = library_out(tmp_path)
    result = EvaluatePackage(release_tag="v1.5.0")(StageOutcome("package", out, commands()))
    assert result.status is Status.FAILED
    assert result.summary == (
        "version 1.4.0 does not match the tag v1.5.0 (fix: set the version to 1.5.0 in pyproject.toml "
        "and re-tag, or tag the commit v1.4.0)"
    )


def test_a_readme_that_does_not_render_fails_with_twines_reason(tmp_path: Path) -> None:
    out = package_out(
        tmp_path, "library", "twine/check-readme-does-not-render.txt", "check-wheel-contents/ok.txt"
    )
    result = EvaluatePackage()(StageOutcome("package", out, commands(twine_check=1)))
    assert result.status is Status.FAILED
    assert result.summary.startswith(
        "semverlite-1.4.0-py3-none-any.whl would not render on the index: ERROR: `long_description` has "
        "syntax errors in markup and would not be rendered on PyPI. "
        "line 2: Warning: Title underline too short."
    )
    assert "(fix: correct the markup of the file [project] readme names" in result.summary


def test_a_wheel_with_tests_and_without_a_package_of_the_sdist_fails_both_checks(tmp_path: Path) -> None:
    out = package_out(tmp_path, "layout", "twine/check-layout.txt", "check-wheel-contents/w005-w009.txt")
    # the layout run wrote no SHA256SUMS into the fixture folder: write what seal would
    (out / DIST / "SHA256SUMS").write_text("", encoding="utf-8")
    result = EvaluatePackage()(StageOutcome("package", out, commands(check_wheel_contents=1)))
    assert result.status is Status.FAILED
    assert result.summary.startswith(
        "check-wheel-contents: W005 Wheel contains common toplevel name in library"
    )
    assert "sdist-in-wheel: failed: the wheel lacks src/other/__init__.py, which the sdist has" in " ".join(
        result.details
    )


def test_a_broken_backend_is_a_failed_build_naming_the_setting_to_fix(tmp_path: Path) -> None:
    tail = (TOOLS / "build" / "backend-unavailable.txt").read_text(encoding="utf-8")
    ran = tuple(CommandOutcome(c.label, c.argv, 1, tail) if c.label == "build" else c for c in commands())
    result = EvaluatePackage()(StageOutcome("package", tmp_path, ran))
    assert result.status is Status.FAILED
    assert result.summary == (
        "the build failed: ModuleNotFoundError: No module named 'flit_core.nonexistent' "
        "(fix: fix [build-system] build-backend and requires in pyproject.toml)"
    )


def test_failing_tool_setup_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    ran = (
        CommandOutcome("tools-venv", ("uv",), 0),
        CommandOutcome("install-tools", ("uv",), 2, "error: no network"),
    )
    result = EvaluatePackage()(StageOutcome("package", tmp_path, ran))
    assert result.status is Status.ERROR
    assert result.summary.startswith("install-tools failed with exit 2")


def test_no_distributions_is_an_error(tmp_path: Path) -> None:
    result = EvaluatePackage()(StageOutcome("package", tmp_path, commands()))
    assert result.status is Status.ERROR
    assert result.summary == "the build wrote no wheel and sdist in dist/"


def test_a_missing_sbom_is_an_error_with_the_tools_exit(tmp_path: Path) -> None:
    out = library_out(tmp_path)
    (out / DIST / "sbom.cdx.json").unlink()
    result = EvaluatePackage()(StageOutcome("package", out, commands(syft=1)))
    assert result.status is Status.ERROR
    assert "made no SBOM: syft failed with exit 1" in result.summary


def test_a_changed_distribution_fails_the_checksums(tmp_path: Path) -> None:
    out = library_out(tmp_path)
    (out / DIST / "SHA256SUMS").write_text("0" * 64 + "  semverlite-1.4.0.tar.gz\n", encoding="utf-8")
    result = EvaluatePackage()(StageOutcome("package", out, commands()))
    assert result.status is Status.FAILED
    assert result.summary.startswith("SHA256SUMS does not match the distributions")


def test_the_pure_wheel_is_tagged_py3_none_any() -> None:
    wheel = read_wheel(TOOLS / "package" / "library" / "semverlite-1.4.0-py3-none-any.whl")
    assert wheel.pure
    assert wheel.tags == ("py3-none-any",)
    assert tags_check(wheel).status == "passed"
    narrowed = type(wheel)(wheel.name, wheel.version, ("cp313-none-any",), pure=True, files=wheel.files)
    assert tags_check(narrowed).text.startswith("pure wheel tagged cp313-none-any, not py3-none-any")


@pytest.mark.parametrize(
    ("fixture", "status", "summary"),
    [
        (
            "passed.json",
            Status.PASSED,
            "semverlite-1.4.0-py3-none-any.whl installs on Python 3.12.1 and imports semverlite",
        ),
        (
            "import-fails.json",
            Status.FAILED,
            (
                "semverlite-1.4.0-py3-none-any.whl installs on Python 3.13.0 but `import semverlite` fails: "
                "ModuleNotFoundError: No module named 'tomli_w' (fix: declare what it imports in [project] "
                "dependencies, or ship the module in the wheel)"
            ),
        ),
    ],
)
def test_smoke_verdicts(tmp_path: Path, fixture: str, status: Status, summary: str) -> None:
    shutil.copyfile(TOOLS / "package" / "smoke" / fixture, tmp_path / "smoke.json")
    ran = (CommandOutcome("smoke", ("python",), 0),)
    result = EvaluateSmoke(python="3.12")(StageOutcome("package-smoke-3.12", tmp_path, ran))
    assert (result.status, result.summary) == (status, summary)


def test_smoke_without_a_report_or_with_no_wheel(tmp_path: Path) -> None:
    ran = (CommandOutcome("smoke", ("python",), 0),)
    evaluate = EvaluateSmoke(python="3.12")
    assert evaluate(StageOutcome("s", tmp_path, ran)).summary == "the smoke test wrote no smoke.json"
    (tmp_path / "smoke.json").write_text('{"python": "3.12.1", "wheels": []}', encoding="utf-8")
    assert evaluate(StageOutcome("s", tmp_path, ran)).status is Status.ERROR
