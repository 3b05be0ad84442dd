"""test: the project's tests under coverage, one stage per Python version of the matrix."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.stages import install
from shipyard.stages.common import code_filter, python_image
from shipyard.stages.result import StageResult, Status
from shipyard.stages.services import SERVICES_JSON, SERVICES_LOGS, services_for, services_verdict
from shipyard.stages.spec import (
    OUTDIR,
    Command,
    ContainerStep,
    Environment,
    SourceFilter,
    Stage,
    TestServices,
)
from shipyard.stages.verdicts import broken_run, from_gate, missing, report

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.plan.version import ProjectVersion
    from shipyard.stages.outcome import StageOutcome


JUNIT_XML = "junit.xml"
COVERAGE_JSON = "coverage.json"
COVERAGE_DATA = f"{OUTDIR}/.coverage"
VERSION_PARAM = "version"
"""The param naming the version a leg builds the project as (only when git derives it)."""
VERSION_SOURCE_PARAM = "version_source"


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


REPORT_ARGV = ("json", "-q", f"--data-file={COVERAGE_DATA}", "-o", f"{OUTDIR}/{COVERAGE_JSON}")
"""`coverage json`: the report the leg's verdict reads."""
_RUN_THEN_REPORT = """\
import contextlib, io, sys
from coverage.cmdline import main
status = main(sys.argv[1:])
said = io.StringIO()
with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
    failed = main(REPORT_ARGV)
if failed and not status:
    sys.stdout.write(said.getvalue())
sys.exit(status)
"""
RUN_THEN_REPORT = f"exec({_RUN_THEN_REPORT.replace('REPORT_ARGV', repr(list(REPORT_ARGV)))!r})"
"""A `python -c`: `coverage run` with the arguments it is given, then `coverage json` in the same
process (one interpreter start and one import of coverage fewer per leg); pytest's exit status.
What the report says is shown only when it failed after a run that passed: after a failed run
(pytest missing, a usage error) the run's own last words stay the last of the output, the cause
the verdict names, not the report's `No data to report.`"""


def _test_argv(project: Project) -> tuple[str, ...]:
    test = project.config.test
    command = test.command
    markers = ("-m", test.markers) if test.markers else ()
    python = install.venv_bin("python")
    if _runs_pytest(project):
        sources = ",".join(coverage_sources(project))
        return (
            python,
            "-c",
            RUN_THEN_REPORT,
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


def _runs_pytest(project: Project) -> bool:
    return project.config.test.command[0] == "pytest"


def _version_params(built_as: ProjectVersion | None) -> dict[str, str]:
    """The version a leg builds the project as, when git derives it (static versions add nothing)."""
    if built_as is None or not (built_as.env or built_as.problem):
        return {}
    return {VERSION_PARAM: built_as.value or "", VERSION_SOURCE_PARAM: built_as.source}


def test_stage(
    project: Project,
    version: str,
    built_as: ProjectVersion | None = None,  # noqa: PT028 - a stage builder, not a pytest test
) -> Stage:
    """The test stage of `project` for Python `version`, installing it as version `built_as`."""
    setup = install.setup_for(project, version)
    version_env = dict(built_as.env) if built_as is not None else {}
    test = project.config.test
    services = services_for(project)
    # what compose reads to start the services is part of what the leg reads (its digest)
    inputs = code_filter(project)
    if services is not None:
        inputs = _with_kept(inputs, services.file, ".env")
    tests = Command(argv=_test_argv(project), may_fail=True, label="pytest", stdout="pytest.txt")
    # pytest's own run reports coverage itself (RUN_THEN_REPORT); another command gets the report
    # step after it, which finds data only if that command wrote some
    report = Command(
        argv=(install.venv_bin("python"), "-m", "coverage", *REPORT_ARGV), may_fail=True, label="coverage"
    )
    commands = (*setup.commands, tests) if _runs_pytest(project) else (*setup.commands, tests, report)
    return Stage(
        id=test_stage_id(version),
        group="test",
        description=f"pytest on Python {version} ({setup.installer})",
        needs=(),
        inputs=inputs,
        action=ContainerStep(
            image=python_image(project, version),
            commands=commands,
            env={**test.env, **version_env, **setup.env},
            caches=setup.caches,
            tools=setup.tools,
            services=services,
            environment=_later(setup.environment(), tuple(n for n in version_env if n not in setup.env)),
        ),
        evaluate=EvaluateTest(
            coverage_floor=test.coverage_floor,
            version_problem=built_as.problem if built_as is not None else None,
            services=services,
        ),
        outputs=(JUNIT_XML, COVERAGE_JSON),
        params={
            "python": version,
            "coverage_floor": str(test.coverage_floor),
            "markers": test.markers or "",
            **_version_params(built_as),
            **(
                {"services": ",".join(services.names), "services_timeout": f"{services.timeout:g}"}
                if services
                else {}
            ),
        },
    )


def _later(environment: Environment | None, names: tuple[str, ...]) -> Environment | None:
    """The version the project is built as is not read by a setup that installs its dependencies."""
    return replace(environment, later_env=names) if environment is not None and names else environment


def _with_kept(inputs: SourceFilter, *paths: str) -> SourceFilter:
    return replace(inputs, keep=(*inputs.keep, *paths))


@dataclass(frozen=True)
class EvaluateTest:
    """Failures, errors, no tests at all, and coverage under the floor fail."""

    coverage_floor: float = 0.0
    version_problem: str | None = None
    """Why the install may fail for want of a version from git (plan.version), with the fix."""
    services: TestServices | None = None
    """The services the tests need: when they were not had, the leg is an error naming why."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge one test leg."""
        # here, not at the top: a stage that was a cache hit loads no parser or gate
        from shipyard.gates.testing import suite_gate  # noqa: PLC0415 - as above
        from shipyard.parsers.coverage import parse_coverage  # noqa: PLC0415 - as above
        from shipyard.parsers.junit import parse_junit  # noqa: PLC0415 - as above

        if self.services is not None:
            problem = services_verdict(self.services, outcome)
            if problem is not None:
                kept = tuple(n for n in (SERVICES_JSON, SERVICES_LOGS) if (outcome.out_dir / n).is_file())
                return StageResult(status=Status.ERROR, summary=problem, artifacts=kept)
        broken = broken_run(outcome, may_fail=("pytest", "coverage"))
        if broken and self.version_problem and _wanted_a_version(outcome):
            return StageResult(status=Status.ERROR, summary=self.version_problem, details=broken.details)
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


VERSION_FAILURES = ("unable to detect version", "NotVCSError", "NotVersionedError", "not a git repository")
"""What setuptools-scm (LookupError), hatch-vcs and versioningit print when they find no git."""


def _wanted_a_version(outcome: StageOutcome) -> bool:
    return any(
        command.label == install.INSTALL_LABEL
        and command.exit_code != 0
        and any(marker in command.output_tail for marker in VERSION_FAILURES)
        for command in outcome.commands
    )
