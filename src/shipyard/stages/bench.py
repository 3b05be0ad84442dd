"""bench: the project's benchmarks on one Python, alone on the engine, against a baseline.

Configured by `[tool.shipyard.bench]`; without the table the stage is n/a. It installs the project
as a test leg does (install.setup_for), runs pytest-benchmark (or the configured command) writing
`bench.json`, and the gate compares each benchmark's rounds with the baseline's: the same report
from the last green run on the baseline branch (shipyard.baselines). It runs exclusive (no other
stage beside it, whose load would slow it). Cached like any stage: its key holds the baseline it is
compared with (the file's content, or the one `shipyard serve` handed out), so a new baseline runs
it again and nothing changed runs nothing; `--no-cache` measures again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.baselines import baseline_path
from shipyard.config.models import BENCH_DIR, BenchConfig
from shipyard.errors import ReportError
from shipyard.gates.bench import bench_gate
from shipyard.stages import install
from shipyard.stages.common import code_filter, newest_python, python_image
from shipyard.stages.result import StageResult, Status
from shipyard.stages.spec import OUTDIR, Baseline, Command, ContainerStep, Stage
from shipyard.stages.verdicts import broken_run, from_gate, last_line, missing, report

if TYPE_CHECKING:
    from shipyard.baselines import ServedBaseline
    from shipyard.config.load import Project
    from shipyard.parsers.bench import BenchReport
    from shipyard.stages.outcome import StageOutcome

BENCH_ID = "bench"
BENCH_JSON = "bench.json"
BENCH_LABEL = "bench"
NO_TESTS = 5
"""pytest's exit status when it collected nothing."""
NOT_CONFIGURED = (
    "no [tool.shipyard.bench] table: benchmarks are not gated "
    "(add the table to run benchmarks/ with pytest-benchmark; docs/benchmarks.md)"
)


def bench_argv(config: BenchConfig) -> tuple[str, ...]:
    """The configured command in the project's environment, or pytest-benchmark over benchmarks/."""
    if config.command:
        return (install.venv_bin(config.command[0]), *config.command[1:])
    return (
        install.venv_bin("python"),
        "-m",
        "pytest",
        BENCH_DIR,
        "--benchmark-only",
        f"--benchmark-json={OUTDIR}/{BENCH_JSON}",
        f"--benchmark-min-rounds={config.min_rounds}",
        "-p",
        "no:cacheprovider",
    )


def bench_stage(project: Project) -> Stage:
    """The bench stage of `project` (n/a without `[tool.shipyard.bench]`)."""
    configured = project.config.bench
    config = configured or BenchConfig()
    python = config.python or newest_python(project)
    setup = install.setup_for(project, python)
    baseline = baseline_path(project.root, BENCH_ID)
    kept = baseline.read_bytes() if baseline.is_file() else None
    not_applicable = NOT_CONFIGURED if configured is None else None
    if project.virtual and configured is not None:
        not_applicable = "a virtual workspace root has no package of its own to benchmark"
    return Stage(
        id=BENCH_ID,
        group="bench",
        description=f"benchmarks on Python {python}, against {config.baseline}'s baseline",
        needs=(),
        inputs=code_filter(project),
        action=ContainerStep(
            image=python_image(project, python),
            commands=(
                *setup.commands,
                Command(argv=bench_argv(config), may_fail=True, label=BENCH_LABEL, stdout="bench.txt"),
            ),
            env={**project.config.test.env, **setup.env},
            caches=setup.caches,
            tools=setup.tools,
            environment=setup.environment(),
        ),
        evaluate=EvaluateBench(
            threshold=config.threshold_fraction,
            branch=config.baseline,
            baseline=str(baseline) if kept is not None else None,
            baseline_sha256=hashlib.sha256(kept).hexdigest() if kept is not None else None,
        ),
        outputs=(BENCH_JSON,),
        params={
            # not `python`: that key makes a stage a matrix leg, which --python narrows
            "interpreter": python,
            "threshold": config.threshold,
            "baseline": config.baseline,
            "min_rounds": str(config.min_rounds),
        },
        not_applicable=not_applicable,
        exclusive=True,
        baseline=Baseline(report=BENCH_JSON, ref=f"refs/heads/{config.baseline}"),
    )


@dataclass(frozen=True)
class EvaluateBench:
    """The benchmarks' own failures fail; so does a benchmark slower than the baseline's (gates.bench)."""

    threshold: float = 0.1
    branch: str = "main"
    baseline: str | None = None
    """The baseline file as the plan found it; None when there was none."""
    baseline_sha256: str | None = None
    """Its content hash, so the stage's digest changes with the baseline."""
    served: ServedBaseline | None = None
    """The baseline a `shipyard serve` handed out before the run (`--report-to`); it wins over the file."""
    serve_note: str = ""
    """Why the service's baseline is not the one used (down, none there yet): said beside the file's."""

    def __call__(self, outcome: StageOutcome) -> StageResult:
        """Judge one bench run."""
        from shipyard.parsers.bench import parse_bench  # noqa: PLC0415 - not on a cache hit

        broken = broken_run(outcome, may_fail=(BENCH_LABEL,))
        if broken:
            return broken
        command = next((c for c in outcome.commands if c.label == BENCH_LABEL), None)
        found = report(outcome, BENCH_JSON)
        if found is None:
            if command is not None and command.exit_code == NO_TESTS:
                return StageResult(
                    status=Status.FAILED,
                    summary=f"bench: failed: no benchmarks were collected (fix: put pytest-benchmark tests "
                    f"in {BENCH_DIR}/ or set [tool.shipyard.bench] command)",
                )
            if (
                command is not None
                and "--benchmark-" in command.output_tail
                and "unrecognized" in command.output_tail
            ):
                return StageResult(
                    status=Status.ERROR,
                    summary="bench: pytest-benchmark is not installed in the project's environment "
                    "(fix: add pytest-benchmark to the development requirements the tests install)",
                )
            return missing(outcome, BENCH_LABEL, BENCH_JSON)
        if command is not None and command.exit_code != 0:
            return StageResult(
                status=Status.FAILED,
                summary=f"bench: failed: the benchmarks failed their own checks (exit {command.exit_code}: "
                f"{last_line(command)})",
                artifacts=(BENCH_JSON,),
            )
        current = parse_bench(found[0], source=found[1])
        baseline, origin = self._baseline()
        why = f"{self.serve_note}; no baseline file either" if self.serve_note else ""
        gate, rows = bench_gate(
            current, baseline, threshold=self.threshold, branch=self.branch, no_baseline=why, origin=origin
        )
        counts: dict[str, int | float | str] = {
            "benchmarks": len(current.benchmarks),
            "regressed": sum(1 for r in rows if r.verdict == "regressed"),
            "baseline": "serve" if self.served else "file" if baseline else "none",
        }
        result = from_gate(gate, counts=counts, artifacts=(BENCH_JSON,))
        return replace(result, benchmarks=rows)

    def _baseline(self) -> tuple[BenchReport | None, str]:
        """The baseline to compare with and the line saying which it is: the service's, the file, none."""
        from shipyard.parsers.bench import parse_bench  # noqa: PLC0415 - not on a cache hit

        note = f" ({self.serve_note})" if self.serve_note else ""
        if self.served is not None:
            return self.served.report, self.served.origin
        if self.baseline is None:
            return None, f"no baseline yet{note}"
        path = Path(self.baseline)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ReportError(
                f"cannot read the baseline {path}: {exc.strerror or exc}",
                fix="restore it (docs/benchmarks.md), or delete it and run on the baseline branch",
            ) from exc
        shown = Path(*path.parts[-3:])  # .shipyard/baselines/bench.json
        return parse_bench(data, source=str(path)), f"baseline file {shown}{note}"
