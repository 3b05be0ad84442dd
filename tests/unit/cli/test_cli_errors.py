from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

EXAMPLES = Path(__file__).parents[3] / "examples"
SHIPYARD = Path(sys.executable).parent / "shipyard"
PLAIN = '[project]\nname = "plain"\nversion = "1.0.0"\n'


def shipyard(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `shipyard` console script, as a real process."""
    return subprocess.run([str(SHIPYARD), *args], capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        (
            {"pyproject.toml": PLAIN + '[tool.shipyard]\npyhton = ["3.12"]\n'},
            (),
            "pyproject.toml: unknown key 'tool.shipyard.pyhton'",
        ),
        (
            {"pyproject.toml": PLAIN + '[tool.shipyard.scan]\nseverity = "SEVERE"\n'},
            (),
            "pyproject.toml: tool.shipyard.scan.severity: ",
        ),
        ({"README.md": "no project here\n"}, (), "no pyproject.toml in "),
        (
            {"pyproject.toml": PLAIN + '[tool.shipyard.image]\ndockerfile = "docker/Dockerfile.prod"\n'},
            (),
            "tool.shipyard.image.dockerfile = 'docker/Dockerfile.prod' does not exist",
        ),
        ({"pyproject.toml": PLAIN}, ("lnt",), "unknown stage 'lnt'"),
    ],
)
def test_config_errors_are_one_stderr_line_and_exit_2(
    write_project: Callable[[dict[str, str]], Path],
    files: dict[str, str],
    args: tuple[str, ...],
    expected: str,
) -> None:
    root = write_project(files)
    proc = shipyard("plan", *args, "--source", str(root))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("shipyard: error: ")
    assert expected in lines[0]
    assert "(fix: " in lines[0]
    assert proc.stdout == ""


def test_plan_prints_the_graph_as_json() -> None:
    proc = shipyard("plan", "--json", "--tier", "extended", "--source", str(EXAMPLES / "library"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["project"] == "semverlite"
    verdicts = {s["group"]: s["verdict"] for s in data["stages"]}
    assert verdicts["build"] == "n/a: no Dockerfile"
    assert verdicts["lint"].startswith(("run: ", "cache hit"))
    assert data["waves"][0][0] == "lint"


def test_the_default_jobs_are_two_per_core_at_most_eight(monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.cli.run_cmd import default_jobs  # noqa: PLC0415 - the module under test

    for cores, jobs in ((1, 2), (2, 4), (4, 8), (16, 8)):

        def affinity(pid: int, n: int = cores) -> set[int]:
            del pid
            return set(range(n))

        monkeypatch.setattr("os.sched_getaffinity", affinity)
        assert default_jobs() == jobs


def test_a_memory_setting_that_is_no_size_stops_the_run_before_the_engine(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project({"pyproject.toml": PLAIN})
    env = {**os.environ, "SHIPYARD_ENV_MEMORY": "lots", "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    command = [str(SHIPYARD), "run", "lint", "--source", str(root)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        "shipyard: error: SHIPYARD_ENV_MEMORY='lots' is not a size (fix: use bytes or a unit: 500M, 4G)"
    ]
