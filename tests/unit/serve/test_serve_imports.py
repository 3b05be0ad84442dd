"""The web framework and the database layer load only for `shipyard serve` (a fresh interpreter checks)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
import {modules}
heavy = {{"starlette", "sqlalchemy", "alembic", "uvicorn", "psycopg"}}
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & heavy)))
"""


def loaded_by(*modules: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=", ".join(modules))],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout.strip()


@pytest.mark.parametrize(
    "modules",
    [
        ("shipyard.plan",),
        ("shipyard.cli.app", "shipyard.cli.run_cmd", "shipyard.cli.serve_cmd"),
        ("shipyard.reports.write", "shipyard.reports.html", "shipyard.serve", "shipyard.serve.client"),
    ],
)
def test_the_core_loads_no_web_or_database_layer(modules: tuple[str, ...]) -> None:
    assert loaded_by(*modules) == ""


def test_the_probe_sees_them_when_the_app_is_imported() -> None:
    assert loaded_by("shipyard.serve.app") == "alembic,sqlalchemy,starlette"
