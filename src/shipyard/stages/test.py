"""test: the project's tests under coverage, one stage per Python version of the matrix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.gates.testing import suite_gate
from shipyard.parsers.coverage import parse_coverage
from shipyard.parsers.junit import parse_junit
from shipyard.stages import install
from shipyard.stages.common import code_filter, python_image
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, Stage
from shipyard.stages.verdicts import broken_run, from_gate, missing, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.result import StageResult


JUNIT_XML = "junit.xml"
COVERAGE_JSON = "coverage.json"
COVERAGE_DATA = f"{OUTDIR}/.coverage"


def test_stage_id(version: str) -> str:
    """`test-3.12` for Python 3.12."""
    return f"test-{version}"


def coverage_sources(project: Project) -> tuple[str, ...]:
    """What coverage measures: the configured sources, else the project's import package if found."""
    configured = project.config.test.coverage_source
    if configured:
        return configured
    package = project.name.replace("-", "_").lower()
    for candidate in (f"src/{package}", package):
        if (project.root / candidate).is_dir():
            return (candidate,)
    return (".",)


def _test_argv(project: Project) -> tuple[str, ...]:
    test = project.config.test
    command = test.command
    markers = ("-m", test.markers) if test.markers else ()
    python = install.venv_bin("python")
    if command[0] == "pytest":
        sources = ",".join(coverage_sources(project))
        return (
            python,
            "-m",
            "coverage",
            "run",
            f"--data-file={COVERAGE_DATA}",
            f"--source={sources}",
            "-m",
            "pytest",
            *command[1:],
            *markers,
            f"--junitxml={OUTDIR}/{JUNIT_XML}",
            "-p",
            "no:cacheprovider",
        )
    return (install.venv_bin(command[0]), *command[1:])


def test_stage(project: Project, version: str) -> Stage:
    """The test stage of `project` for Python `version`."""
    setup = install.setup_for(project, version)
    test = project.config.test
    commands = (
        *setup.commands,
        Command(argv=_test_argv(project), may_fail=True, label="pytest", stdout="pytest.txt"),
        Command(
            argv=(
                install.venv_bin("python"),
                "-m",
                "coverage",
                "json",
                f"--data-file={COVERAGE_DATA}",
                "-o",
                f"{OUTDIR}/{COVERAGE_JSON}",
            ),
            may_fail=True,
            label="coverage",
        ),
    )
    return Stage(
        id=test_stage_id(version),
        group="test",
        description=f"pytest on Python {version} ({setup.installer})",
        needs=(),
        inputs=code_filter(),
        action=ContainerStep(
            image=python_image(project, version),
            commands=commands,
            env={**test.env, **setup.env, "PYTHONDONTWRITEBYTECODE": "1"},
            caches=setup.caches,
            tools=setup.tools,
        ),
        evaluate=EvaluateTest(coverage_floor=test.coverage_floor),
        outputs=(JUNIT_XML, COVERAGE_JSON),
        params={
            "python": version,
            "coverage_floor": str(test.coverage_floor),
            "markers": test.markers or "",
        },
    )


@dataclass(frozen=True)
class EvaluateTest:
    """Failures, errors, no tests at all, and coverage under the floor fail."""

    coverage_floor: float = 0.0

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge one test leg."""
        broken = broken_run(outcome, may_fail=("pytest", "coverage"))
        if broken:
            return broken
        junit = report(outcome, JUNIT_XML)
        if junit is None:
            return missing(outcome, "pytest", JUNIT_XML)
        suite = parse_junit(junit[0], source=junit[1])
        cov = report(outcome, COVERAGE_JSON)
        coverage = parse_coverage(cov[0], source=cov[1]) if cov else None
        gate = suite_gate(suite, coverage, floor=self.coverage_floor)
        counts: dict[str, int | float | str] = {
            "tests": suite.tests,
            "passed": suite.passed,
            "failed": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
        }
        if coverage is not None:
            counts["coverage"] = round(coverage.percent, 2)
        return from_gate(gate, counts=counts, artifacts=(JUNIT_XML, COVERAGE_JSON))
