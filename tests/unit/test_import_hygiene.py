"""The engine-agnostic core imports no engine SDK: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
import {modules}
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & {{"docker", "dagger"}})))
"""


def engines_loaded_by(*modules: str) -> str:
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
        ("shipyard.plan.graph", "shipyard.session", "shipyard.runner"),
        ("shipyard.cli.plan_cmd", "shipyard.cli.run_cmd", "shipyard.reports.write"),
    ],
)
def test_the_core_imports_no_engine(modules: tuple[str, ...]) -> None:
    assert engines_loaded_by(*modules) == ""


def test_the_probe_sees_an_engine_when_one_is_imported() -> None:
    assert engines_loaded_by("shipyard.docker.executor") == "docker"
