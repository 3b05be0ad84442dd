"""What a module imports, checked in a fresh interpreter.

The engine-agnostic core loads no engine SDK (docker, dagger), and nothing but `shipyard serve`
loads the web framework and the database layer.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

ENGINES = frozenset({"docker", "dagger"})
WEB = frozenset({"starlette", "sqlalchemy", "alembic", "uvicorn", "psycopg"})

PROBE = """
import sys
import {modules}
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & {watched!r})))
"""


def loaded_by(watched: frozenset[str], *modules: str) -> str:
    """Which of `watched` a fresh interpreter has loaded after importing `modules`."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=", ".join(modules), watched=set(watched))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout.strip()


@pytest.mark.parametrize(
    ("watched", "modules"),
    [
        (ENGINES, ("shipyard.plan",)),
        (ENGINES, ("shipyard.plan.graph", "shipyard.session", "shipyard.runner")),
        (ENGINES, ("shipyard.cli.plan_cmd", "shipyard.cli.run_cmd", "shipyard.reports.write")),
        (WEB, ("shipyard.plan",)),
        (WEB, ("shipyard.cli.app", "shipyard.cli.run_cmd", "shipyard.cli.serve_cmd")),
        (WEB, ("shipyard.reports.write", "shipyard.reports.html", "shipyard.serve", "shipyard.serve.client")),
    ],
)
def test_module_loads_none_of_the_watched(watched: frozenset[str], modules: tuple[str, ...]) -> None:
    assert loaded_by(watched, *modules) == ""


@pytest.mark.parametrize(
    ("watched", "module", "expected"),
    [
        (ENGINES, "shipyard.docker.executor", "docker"),
        (WEB, "shipyard.serve.app", "alembic,sqlalchemy,starlette"),
    ],
)
def test_the_probe_sees_them_when_they_are_imported(
    watched: frozenset[str], module: str, expected: str
) -> None:
    assert loaded_by(watched, module) == expected
