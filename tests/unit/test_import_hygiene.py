"""What a module imports, checked in a fresh interpreter.

The engine-agnostic core loads no engine SDK (docker, dagger), nothing but `shipyard serve`
loads the web framework and the database layer, and `shipyard run --json` loads no report
parser, no gate that judges a report, no rich and no HTTP client until a stage ran or a
`--report-to` asks for one: a warm run whose every stage is a cache hit imports only what it uses.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

ENGINES = frozenset({"docker", "dagger"})
WEB = frozenset({"starlette", "sqlalchemy", "alembic", "uvicorn", "psycopg"})
JUDGING = frozenset(
    {
        *(
            f"shipyard.parsers.{m}"
            for m in ("junit", "coverage", "ruff", "trivy", "gitleaks", "sbom", "bench")
        ),
        *(f"shipyard.parsers.{m}" for m in ("twine", "wheel_contents")),
        *(f"shipyard.gates.{m}" for m in ("lint", "testing", "scan")),
        "xml.etree.ElementTree",
    }
)
"""What only judging a stage that ran needs."""
DRAWING = frozenset({"rich", "urllib.request", "http.client", "tarfile"})
"""What only a terminal (rich), `--report-to` (the HTTP client) or a package stage that ran needs."""
WARM_PATH = (
    "shipyard.cli.app",
    "shipyard.cli.run_cmd",
    "shipyard.session",
    "shipyard.plan.graph",
    "shipyard.plan.cache",
    "shipyard.runner",
    "shipyard.reports.write",
)
"""The modules a `shipyard run --json` imports before and after the stages."""

PROBE = """
import sys
import {modules}
print(",".join(sorted(m for m in {watched!r} if m in sys.modules)))
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
        (JUDGING, WARM_PATH),
        (DRAWING, WARM_PATH),
    ],
)
def test_module_loads_none_of_the_watched(watched: frozenset[str], modules: tuple[str, ...]) -> None:
    assert loaded_by(watched, *modules) == ""


@pytest.mark.parametrize(
    ("watched", "module", "expected"),
    [
        (ENGINES, "shipyard.docker.executor", "docker"),
        (WEB, "shipyard.serve.app", "alembic,sqlalchemy,starlette"),
        (JUDGING, "shipyard.parsers.junit", "shipyard.parsers.junit,xml.etree.ElementTree"),
        (DRAWING, "shipyard.cli.plan_cmd", "rich"),
    ],
)
def test_the_probe_sees_them_when_they_are_imported(
    watched: frozenset[str], module: str, expected: str
) -> None:
    assert loaded_by(watched, module) == expected
