"""package-smoke: each built wheel installs into a fresh venv of one matrix Python and imports.

One small container per matrix Python, with nothing of the source tree in it: the package
stage's output folder is placed at /in/package, package_probe installs each wheel (dependencies
from the index) and imports every top-level module from `/` in isolated mode, writing what it saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from shipyard.errors import ReportError
from shipyard.stages import install
from shipyard.stages.common import UV_CACHE, python_image, tool_binary
from shipyard.stages.package import PACKAGE_ID, PROBE_SOURCE
from shipyard.stages.package_verdict import DIST
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, FilesInput, SourceFilter, Stage
from shipyard.stages.verdicts import broken_run

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.stages.outcome import StageOutcome

SMOKE_JSON = "smoke.json"
PACKAGE_IN = "/in/package"
"""Where the package stage's output folder is placed."""


def smoke_stage_id(version: str) -> str:
    """`package-smoke-3.12` for Python 3.12."""
    return f"{PACKAGE_ID}-smoke-{version}"


def smoke_stage(project: Project, version: str, *, not_applicable: str | None = None) -> Stage:
    """Install and import the package stage's wheels on Python `version`."""
    return Stage(
        id=smoke_stage_id(version),
        group="package",
        description=f"install the wheel into a fresh Python {version} venv and import it",
        needs=(PACKAGE_ID,),
        inputs=SourceFilter(include=()),  # no source tree: only what the wheel installs
        action=ContainerStep(
            image=python_image(project, version),
            commands=(
                Command(
                    argv=(
                        f"python{version}",
                        "-c",
                        PROBE_SOURCE,
                        "smoke",
                        install.UV,
                        f"{PACKAGE_IN}/{DIST}",
                        f"{OUTDIR}/{SMOKE_JSON}",
                    ),
                    label="smoke",
                ),
            ),
            env={
                "UV_CACHE_DIR": UV_CACHE.path,
                "UV_PYTHON_DOWNLOADS": "never",
                "UV_LINK_MODE": "copy",
                "UV_NO_PROGRESS": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
            },
            caches=(UV_CACHE,),
            tools=(tool_binary(project, "uv", install.UV),),
            files_from=(FilesInput(PACKAGE_ID, PACKAGE_IN),),
            workdir="/tmp",  # noqa: S108 - nothing of the project is placed in this container
        ),
        evaluate=EvaluateSmoke(python=version),
        outputs=(SMOKE_JSON,),
        params={"python": version},
        not_applicable=not_applicable,
    )


def _tail_line(run: dict[str, object]) -> str:
    lines = [line.strip() for line in str(run.get("output", "")).splitlines() if line.strip()]
    return lines[-1] if lines else f"exit {run.get('exit_code')}"


@dataclass(frozen=True)
class EvaluateSmoke:
    """A wheel that does not install, or a top-level module that does not import, fails."""

    python: str

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge one Python's smoke test from the facts package_probe wrote."""
        broken = broken_run(outcome)
        if broken:
            return broken
        path = outcome.out_dir / SMOKE_JSON
        try:
            data = cast("dict[str, object]", json.loads(path.read_text(encoding="utf-8")))
            wheels = cast("list[dict[str, object]]", data["wheels"])
            seen = str(data.get("python", self.python))
        except FileNotFoundError:
            return StageResult(status=Status.ERROR, summary=f"the smoke test wrote no {SMOKE_JSON}")
        except (ValueError, KeyError, TypeError) as exc:
            raise ReportError(f"{path}: not a smoke report: {exc}", fix="re-run the package stage") from exc
        if not wheels:
            return StageResult(status=Status.ERROR, summary=f"no wheel to install in {PACKAGE_IN}/{DIST}")
        lines: list[str] = []
        for wheel in wheels:
            problem = _wheel_problem(wheel, seen, self.python)
            if problem is not None:
                return StageResult(status=Status.FAILED, summary=problem, artifacts=(SMOKE_JSON,))
            names = cast("list[str]", wheel.get("top_level", []))
            lines.append(f"{wheel.get('file')} installs on Python {seen} and imports {', '.join(names)}")
        return StageResult(
            status=Status.PASSED,
            summary="; ".join(lines),
            counts={"wheels": len(wheels), "python": seen},
            artifacts=(SMOKE_JSON,),
        )


def _wheel_problem(wheel: dict[str, object], seen: str, version: str) -> str | None:
    name = str(wheel.get("file", "?"))
    installed = cast("dict[str, object]", wheel.get("install", {}))
    if installed.get("exit_code") != 0:
        output = str(installed.get("output", ""))
        if "requires-python" in output.lower() or "requires a different python" in output.lower():
            fix = f"widen requires-python, or drop {version} from [tool.shipyard] python"
        else:
            fix = "make [project] dependencies installable from the index"
        return f"{name} does not install on Python {seen}: {_tail_line(installed)} (fix: {fix})"
    names = cast("list[str]", wheel.get("top_level", []))
    if not names:
        return f"{name} installs nothing importable on Python {seen} (fix: include the package in the wheel)"
    for run in cast("list[dict[str, object]]", wheel.get("imports", [])):
        if run.get("exit_code") != 0:
            return (
                f"{name} installs on Python {seen} but `import {run.get('name')}` fails: {_tail_line(run)} "
                "(fix: declare what it imports in [project] dependencies, or ship the module in the wheel)"
            )
    return None
