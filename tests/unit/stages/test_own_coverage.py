"""A leg measures with the project's own coverage.py when its environment has a usable one.

OWN_COVERAGE runs here with real interpreters over site-packages laid out as pip and uv install
them (`coverage-<version>.dist-info`, the package with its compiled tracer): a usable one is
named and nothing is installed; otherwise the install command it was given runs in its place.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shipyard.stages.install import OWN_COVERAGE

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))
PYTHON_310 = PYENV / "versions" / "3.10.13" / "bin" / "python3.10"
INSTALL = ("/bin/echo", "installing", "coverage")


def _site(
    tmp_path: Path, version: str = "7.17.3", *, tracer: bool = True, extra: tuple[str, ...] = ()
) -> Path:
    site = tmp_path / "site-packages"
    (site / f"coverage-{version}.dist-info").mkdir(parents=True)
    (site / "coverage").mkdir()
    (site / "coverage" / "__init__.py").write_text("")
    if tracer:
        (site / "coverage" / "tracer.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    for package in extra:
        (site / package).mkdir()
        (site / package / "__init__.py").write_text("")
    return site


def _run(site: Path | None, python: str = sys.executable) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [python, "-I" if site is None else "-s", "-c", OWN_COVERAGE, *INSTALL],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout.strip()


def test_a_usable_coverage_of_the_project_is_used_and_nothing_installed(tmp_path: Path) -> None:
    assert _run(_site(tmp_path)) == "coverage 7.17.3: the project's own, from its environment"


@pytest.mark.parametrize(
    ("version", "files"),
    [("6.5.0", "tracer"), ("7.0.0", "no tracer"), ("seven", "tracer")],
    ids=["coverage 6", "no compiled tracer (slow)", "unreadable version"],
)
def test_an_unusable_coverage_installs_ours(tmp_path: Path, version: str, files: str) -> None:
    assert _run(_site(tmp_path, version, tracer=files == "tracer")) == "installing coverage"


def test_no_coverage_or_two_of_them_install_ours(tmp_path: Path) -> None:
    assert _run(None) == "installing coverage"
    site = _site(tmp_path)
    (site / "coverage-7.0.0.dist-info").mkdir()
    assert _run(site) == "installing coverage"


@pytest.mark.skipif(not PYTHON_310.exists(), reason="no Python 3.10 on this host")
def test_below_python_311_it_needs_a_toml_reader(tmp_path: Path) -> None:
    """Without tomli, coverage.py 3.10 cannot read [tool.coverage] from pyproject.toml."""
    assert _run(_site(tmp_path), str(PYTHON_310)) == "installing coverage"
    with_tomli = _site(tmp_path / "toml", extra=("tomli",))
    assert _run(with_tomli, str(PYTHON_310)) == "coverage 7.17.3: the project's own, from its environment"
