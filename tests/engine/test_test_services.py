"""`[tool.shipyard.test] services`: the tests reach the compose file's database by its name.

examples/services (tally) has tests that talk to PostgreSQL at `db:5432`; its table names the
`db` service of its compose.yaml. A wrong name and an unhealthy service are errors naming them,
and no container or network of the services outlives the run.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import git_copy, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine
LEG = "test-3.12"


def leftovers(run_id: str) -> list[str]:
    """Containers and networks of this run's services still on the engine."""
    found: list[str] = []
    for kind in ("ps", "network ls"):
        argv = ["docker", *kind.split(), "--filter", f"name=shipyard-{run_id}", "--format", "{{.Names}}"]
        if kind == "ps":
            argv.insert(2, "--all")
        found += subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    return found


def edit(project: Path, old: str, new: str, *, name: str = "pyproject.toml") -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_tests_reach_their_database_by_service_name_and_it_is_torn_down(tmp_path: Path) -> None:
    project = git_copy("services", tmp_path)
    done = shipyard("run", "test", "--source", str(project), env={"SHIPYARD_RUN_ID": "svcok"})
    leg = summary(project)[LEG]
    assert done.returncode == 0, (leg, done.stderr[-3000:])
    assert leg["status"] == "passed", leg
    out = project / ".shipyard" / "out" / LEG
    seen = json.loads((out / "services.json").read_text())
    assert [(s["name"], s["state"], s["health"]) for s in seen["services"]] == [("db", "running", "healthy")]
    assert "POSTGRES_PASSWORD" not in json.dumps(seen["config"]), "the interpolated file is in the report"
    assert "database system is ready to accept connections" in (out / "services-logs.txt").read_text()
    assert leftovers("svcok") == []


def test_a_service_name_the_file_lacks_and_an_unhealthy_service_are_errors_naming_them(
    tmp_path: Path,
) -> None:
    project = git_copy("services", tmp_path)
    edit(project, 'services = ["db"]', 'services = ["postgres"]')
    done = shipyard("run", "test", "--source", str(project), "--no-cache")
    leg = summary(project)[LEG]
    assert done.returncode != 0
    assert (leg["status"], leg["summary"]) == (
        "error",
        (
            "[tool.shipyard.test] services names 'postgres', not in compose.yaml (it has: db); "
            "fix [tool.shipyard.test] services"
        ),
    )
    edit(project, 'services = ["postgres"]', 'services = ["db"]')
    edit(
        project,
        'test: ["CMD-SHELL", "pg_isready -U tally -d tally"]',
        'test: ["CMD-SHELL", "exit 1"]',
        name="compose.yaml",
    )
    edit(project, "retries: 30", "retries: 2", name="compose.yaml")
    done = shipyard("run", "test", "--source", str(project), "--no-cache", env={"SHIPYARD_RUN_ID": "svcbad"})
    leg = summary(project)[LEG]
    assert done.returncode != 0
    assert leg["status"] == "error", leg
    assert str(leg["summary"]).startswith("the tests' services did not start: service 'db' is unhealthy"), leg
    assert str(leg["summary"]).endswith("(logs: services-logs.txt)"), leg
    assert not (project / ".shipyard" / "out" / LEG / "junit.xml").exists(), "the tests ran without their db"
    assert leftovers("svcbad") == []
