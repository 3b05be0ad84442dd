"""test: the project's tests under coverage, one stage per Python version of the matrix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.stages import install
from shipyard.stages.common import code_filter, python_image
from shipyard.stages.evaluate_pytest import EvaluateTest
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, Stage

if TYPE_CHECKING:
    from shipyard.config.load import Project

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
