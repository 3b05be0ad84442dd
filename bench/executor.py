"""Benchmark the Docker executor on an example: cold, warm, source/lock/docs changes, -j4 vs -j1.

Prints a table with ratios and writes bench/results/executor.json.

    uv run python bench/executor.py [--example webapp] [--out bench/results]

Every figure comes from this one run on this machine (2 cores here): compare the ratios, not
the seconds with another machine's. "cold" uses empty cache volumes of its own namespace
(SHIPYARD_CACHE_NAMESPACE), so the benchmark never empties the caches real runs use.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _checkout import REPO, add_dependency, git_copy, remove_cache_volumes


def _run(project: Path, *args: str, namespace: str) -> dict[str, object]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "shipyard", "run", "--source", str(project), "--json", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SHIPYARD_CACHE_NAMESPACE": namespace},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        sys.stderr.write((project / ".shipyard" / "out" / "summary.md").read_text()[-3000:])
        msg = f"shipyard run {' '.join(args)} failed with exit {done.returncode}"
        raise SystemExit(msg)
    summary = json.loads(done.stdout)
    stages = summary["stages"]
    return {
        "wall_s": round(wall, 2),
        "client_cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "stages": len(stages),
        "cache_hits": sum(1 for s in stages if s["cached"]),
    }


def main() -> int:
    """Run the scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--example", default="webapp")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    options = parser.parse_args()
    namespace = "bench" + secrets.token_hex(3)
    stages = ("lint", "test")
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as tmp:
        project = git_copy(options.example, Path(tmp))
        try:
            results["cold"] = _run(project, *stages, namespace=namespace)
            results["warm no-op"] = _run(project, *stages, namespace=namespace)
            source = next(p for p in sorted((project / "src").rglob("*.py")) if p.name != "__init__.py")
            source.write_text(source.read_text().rstrip("\n") + "\n\n\nBENCH_ONE_FILE_CHANGE = 1\n")
            results["one-file change"] = _run(project, *stages, namespace=namespace)
            add_dependency(project)
            results["dependency change"] = _run(project, *stages, namespace=namespace)
            (project / "docs").mkdir(exist_ok=True)
            (project / "docs" / "bench.md").write_text("# notes\n")
            results["docs-only change"] = _run(project, *stages, namespace=namespace)
            results["matrix parallel (-j4, warm deps)"] = _run(
                project, "test", "--no-cache", "--jobs", "4", namespace=namespace
            )
            results["matrix serial (-j1, warm deps)"] = _run(
                project, "test", "--no-cache", "--jobs", "1", namespace=namespace
            )
        finally:
            remove_cache_volumes(namespace)
    cold = float(str(results["cold"]["wall_s"]))
    parallel = float(str(results["matrix parallel (-j4, warm deps)"]["wall_s"]))
    serial = float(str(results["matrix serial (-j1, warm deps)"]["wall_s"]))
    ratios = {
        "cold / warm no-op": round(cold / float(str(results["warm no-op"]["wall_s"])), 1),
        "cold / one-file change": round(cold / float(str(results["one-file change"]["wall_s"])), 1),
        "matrix serial / parallel": round(serial / parallel, 2),
    }
    report = {"example": options.example, "cpus": os.cpu_count(), "scenarios": results, "ratios": ratios}
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "executor.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'scenario':36} {'wall s':>8} {'cpu s':>7} {'stages':>6} {'hits':>5}")
    for name, row in results.items():
        print(
            f"{name:36} {row['wall_s']:>8} {row['client_cpu_s']:>7} {row['stages']:>6} {row['cache_hits']:>5}"
        )
    for name, value in ratios.items():
        print(f"ratio {name}: {value}")
    print(f"written: {options.out / 'executor.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
