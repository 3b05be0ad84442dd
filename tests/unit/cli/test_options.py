"""The commands' options: choices come from the config's constants; debug takes only what it uses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shipyard.config.models import PLATFORMS, PYTHON_VERSIONS, TIERS


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shipyard", *args], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.mark.parametrize("option", [("--tier", "full"), ("--skip", "lint")])
def test_debug_refuses_options_it_would_ignore(option: tuple[str, str]) -> None:
    done = cli("debug", "lint", *option)
    assert done.returncode == 2
    assert f"No such option '{option[0]}'" in done.stderr


def test_run_and_plan_offer_the_configs_pythons_platforms_and_tiers() -> None:
    for command in ("run", "plan"):
        text = cli(command, "--help").stdout
        for value in (*PYTHON_VERSIONS, *PLATFORMS, *TIERS):
            assert value in text, (command, value)
