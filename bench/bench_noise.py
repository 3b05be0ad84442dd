"""The bench gate's false-alarm rate: the same code, benchmarked again and again, against one baseline.

Runs examples/library's benchmarks with the bench stage's own pytest-benchmark flags once as the
baseline, then `--runs` more times on the unchanged code, and judges each run with the core's gate
(shipyard.gates.bench) at the table's threshold. Every failing run is a false alarm: nothing changed.
On the host (a temporary venv from the example's pinned requirements), not in a container, so the
figure is the gate's own plus this machine's noise. Not part of CI.

    uv run python bench/bench_noise.py [--runs 20] [--threshold 10%] [--python python3.11]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from shipyard.config.models import BENCH_DIR, percent_fraction
from shipyard.gates.bench import bench_gate
from shipyard.parsers.bench import BenchReport, parse_bench

LIBRARY = Path(__file__).resolve().parents[1] / "examples" / "library"


def measure(venv: Path, project: Path, out: Path, min_rounds: int) -> BenchReport:
    """One run of the benchmarks, as the bench stage runs them (stages.bench.bench_argv's flags)."""
    argv = [
        str(venv / "bin" / "python"),
        "-m",
        "pytest",
        BENCH_DIR,
        "--benchmark-only",
        f"--benchmark-json={out}",
        f"--benchmark-min-rounds={min_rounds}",
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    subprocess.run(argv, cwd=project, check=True, capture_output=True)
    return parse_bench(out.read_bytes(), source=str(out))


def main() -> None:
    """Measure and print the false alarms."""
    parser = argparse.ArgumentParser(description="The bench gate's false-alarm rate on unchanged code.")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threshold", default="10%")
    parser.add_argument("--min-rounds", type=int, default=20)
    parser.add_argument("--python", default="python3")
    args = parser.parse_args()
    threshold = percent_fraction(args.threshold)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        project = work / "library"
        shutil.copytree(LIBRARY, project, ignore=shutil.ignore_patterns(".shipyard", ".venv", "__pycache__"))
        venv = work / "venv"
        subprocess.run([args.python, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", "requirements-dev.txt"], cwd=project, check=True)
        started = time.monotonic()
        baseline = measure(venv, project, work / "baseline.json", args.min_rounds)
        alarms = 0
        for run in range(1, args.runs + 1):
            current = measure(venv, project, work / f"run-{run}.json", args.min_rounds)
            gate, rows = bench_gate(current, baseline, threshold=threshold, branch="main")
            alarms += not gate.passed
            changes = ", ".join(f"{r.name} {r.change:+.1%} p={r.p:.2g}" for r in rows if r.change is not None)
            print(f"run {run:2}: {'FALSE ALARM' if not gate.passed else 'ok':11} {changes}")
        seconds = time.monotonic() - started
    print(
        f"false alarms: {alarms} of {args.runs} runs of unchanged code at threshold {args.threshold} "
        f"({alarms / args.runs:.0%}; {seconds:.0f} s)"
    )


if __name__ == "__main__":
    main()
