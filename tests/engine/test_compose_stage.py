"""The compose stage on a real engine: healthy stacks, failing probes, bad files, no leftovers.

An unhealthy service is examples/broken's `unhealthy` fault: tests/engine/test_broken_faults.py.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, cast

import pytest

from tests.engine.helpers import git_copy, leftovers, new_run_id, shipyard, summary

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

pytestmark = pytest.mark.engine


def compose(project: Path, run_id: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    done = shipyard("run", "--source", str(project), "compose", "--json", env={"SHIPYARD_RUN_ID": run_id})
    stages = summary(project)
    return done, stages["compose"]


def health(project: Path) -> dict[str, object]:
    return json.loads((project / ".shipyard/out/compose/compose-health.json").read_text())


def test_webapp_stack_comes_up_healthy_probes_pass_and_everything_is_removed(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    run_id = new_run_id()
    done, stage = compose(project, run_id)
    assert done.returncode == 0, done.stderr[-3000:]
    assert stage["status"] == "passed", stage
    report = health(project)
    assert report["executor"] == "docker"
    services = cast("list[dict[str, object]]", report["services"])
    assert {s["name"]: s["health"] for s in services} == {"app": "healthy", "db": "healthy"}
    attempts = cast("list[dict[str, object]]", report["attempts"])
    assert [(a["label"], a["attempt"], a["status"]) for a in attempts] == [("http app:8000/healthz", 1, 200)]
    assert "ok" in str(attempts[0]["body"])
    assert leftovers(run_id) == []


def test_two_runs_at_once_do_not_collide(tmp_path: Path) -> None:
    first = git_copy("webapp", tmp_path / "one")
    second = git_copy("webapp", tmp_path / "two")
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    run_ids = {"one": new_run_id(), "two": new_run_id()}

    def run(name: str, project: Path) -> None:
        env = {"SHIPYARD_RUN_ID": run_ids[name]}
        results[name] = shipyard("run", "--source", str(project), "compose", "--json", env=env)

    threads = [threading.Thread(target=run, args=(n, p)) for n, p in (("one", first), ("two", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["one"].returncode == 0, results["one"].stderr[-2000:]
    assert results["two"].returncode == 0, results["two"].stderr[-2000:]
    assert health(first)["project"] != health(second)["project"]
    assert leftovers(run_ids["one"]) == []
    assert leftovers(run_ids["two"]) == []


def _with_config(project: Path, old: str, new: str) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert old in text
    pyproject.write_text(text.replace(old, new, 1))


def test_compose_file_that_does_not_parse(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    (project / "compose.yaml").write_text("services:\n  app: [this is: not, a service\n")
    run_id = new_run_id()
    done, stage = compose(project, run_id)
    assert done.returncode == 1
    assert stage["status"] == "error"
    assert "compose.yaml does not parse" in str(stage["summary"])
    assert leftovers(run_id) == []


def test_service_named_in_config_that_the_file_lacks(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    _with_config(project, 'service = "app"', 'service = "web"')
    run_id = new_run_id()
    done, stage = compose(project, run_id)
    assert done.returncode == 1
    assert "service 'web' is not in compose.yaml (it has: app, db)" in str(stage["summary"])
    assert leftovers(run_id) == []


def test_probe_to_a_port_nothing_listens_on(tmp_path: Path) -> None:
    project = git_copy("webapp", tmp_path)
    _with_config(project, "port = 8000", "port = 8999")
    run_id = new_run_id()
    done, stage = compose(project, run_id)
    assert done.returncode == 1
    assert stage["status"] == "failed"
    assert "probe http app:8999/healthz failed" in str(stage["summary"])
    assert "refused" in str(stage["summary"]).lower()
    assert "(6 attempt(s))" in str(stage["summary"]), "retries = 5 (the default): six attempts"
    attempts = cast("list[dict[str, object]]", health(project)["attempts"])
    assert [a["attempt"] for a in attempts] == [1, 2, 3, 4, 5, 6]
    assert all(a["status"] is None and a["error"] for a in attempts)
    assert leftovers(run_id) == []
