"""The module installs as a real Dagger engine installs it, and its main object loads.

Reproduces dagger/dagger sdk/python/runtime (backport-0.21) on the Docker Engine: the context the
engine uploads, the SDK vendored at ci/sdk with version 0.0.0, python:3.11-slim, uv 0.10.3, the
runtime's environment and install commands; then the runtime's loader finds the main object
through the installed `dagger.mod` entry point. See docs/dagger.md, "How the engine installs this module".
"""

from __future__ import annotations

import json
import re
import shutil
import time
from typing import TYPE_CHECKING, cast

import pytest
import tomllib
from dagger_offline import object_type
from engine_install import (
    LOADER,
    REPO,
    VENDOR_DIR,
    RuntimeContainer,
    docker_engine,
    download,
    install_commands,
    module_context,
    pinned_sdist,
    runtime_env,
    vendor_sdk,
)

from shipyard_ci import Shipyard

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures(docker_engine.__name__)]

SOURCE = "ci"
# The names the runtime derives from dagger.json's "shipyard" and ci/pyproject.toml's project name
# (python.go NormalizeObjectName, NormalizePackageName; discovery.go loadConfig).
ENV = runtime_env(module="shipyard", package="shipyard_ci", main_object="Shipyard")


def declared_functions() -> list[str]:
    """The main object's functions as the SDK registers them from ci/src in this venv."""
    return sorted(object_type(Shipyard).functions)


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repo root as the engine uploads it, with the SDK vendored at ci/sdk."""
    root = tmp_path_factory.mktemp("context")
    module_context(REPO, root)
    version, url, sha256 = pinned_sdist(REPO)
    sdist = download(url, sha256, tmp_path_factory.mktemp("sdist") / f"dagger_io-{version}.tar.gz")
    # discovery.go loadFiles: a committed ci/sdk or ci/.venv is dropped before the SDK is vendored
    for stale in (VENDOR_DIR, ".venv"):
        shutil.rmtree(root / SOURCE / stale, ignore_errors=True)
    vendor_sdk(sdist, root / SOURCE / VENDOR_DIR)
    return root


@pytest.fixture(scope="module")
def runtime() -> Iterator[RuntimeContainer]:
    """The runtime's base container: python:3.11-slim with uv 0.10.3 and the runtime's environment."""
    container = RuntimeContainer(ENV)
    try:
        yield container
    finally:
        container.close()


def test_context_holds_what_the_module_needs_and_nothing_else(context: Path) -> None:
    files = {str(p.relative_to(context)) for p in context.rglob("*") if p.is_file()}
    assert {"dagger.json", "pyproject.toml", "README.md", "ci/pyproject.toml"} <= files
    assert "src/shipyard/__init__.py" in files
    assert "ci/src/shipyard_ci/main.py" in files
    assert not {f for f in files if f.split("/")[0] in {"tests", "docs", "examples", "uv.lock"}}
    assert not {f for f in files if "__pycache__" in f}
    sdk = (context / SOURCE / VENDOR_DIR / "pyproject.toml").read_text()
    assert re.search(r'(?m)^version = "0\.0\.0"$', sdk)


def test_the_module_as_it_was_before_the_fix_cannot_be_installed(
    context: Path, runtime: RuntimeContainer, tmp_path: Path
) -> None:
    """A `dagger-io==<v>` pin with no uv.lock and no vendored source: the runtime's legacy path fails."""
    before = tmp_path / "before"
    shutil.copytree(context, before)
    (before / SOURCE / "uv.lock").unlink()
    pyproject = before / SOURCE / "pyproject.toml"
    version = pinned_sdist(REPO)[0]
    text, pins = re.subn(r'(?m)^(\s*)"dagger-io",$', rf'\1"dagger-io=={version}",', pyproject.read_text())
    text, sources = re.subn(r"(?m)^dagger-io = \{.*\}\n", "", text)
    assert (pins, sources) == (1, 1), "ci/pyproject.toml changed shape: update this test"
    pyproject.write_text(text)
    workdir = runtime.add_context(before) / SOURCE
    steps = runtime.run_all(workdir, install_commands(before / SOURCE))
    assert steps[0].argv == ("uv", "pip", "install", "-e", "./sdk", "-e", ".")
    assert steps[-1].exit_code != 0, steps[-1].output
    assert "No solution found when resolving dependencies" in steps[-1].output
    assert f"dagger-io=={version}" in steps[-1].output


def test_dagger_io_is_not_pinned() -> None:
    """The engine installs its own SDK copy (0.0.0) whatever a pin says: a pin only misleads.

    With the `sdk` source uv ignores it; without that source (or with the legacy path) it has no
    solution, as the test above shows.
    """
    project = tomllib.loads((REPO / SOURCE / "pyproject.toml").read_text())
    deps = cast("list[str]", project["project"]["dependencies"])
    assert "dagger-io" in deps, deps
    sources = cast("dict[str, dict[str, object]]", project["tool"]["uv"]["sources"])
    assert sources["dagger-io"] == {"path": VENDOR_DIR, "editable": True}


def test_module_installs_and_registers_every_function(context: Path, runtime: RuntimeContainer) -> None:
    workdir = runtime.add_context(context) / SOURCE
    commands = install_commands(context / SOURCE)
    assert commands == [("uv", "lock"), ("uv", "sync", "--no-dev")], "ci/ is meant to take the uv.lock path"
    started = time.monotonic()
    steps = runtime.run_all(workdir, commands)
    elapsed = time.monotonic() - started
    print(f"engine install of the module ({' && '.join(' '.join(c) for c in commands)}): {elapsed:.1f} s")  # noqa: T201 - the brief asks for the install time
    for step in steps:
        assert step.exit_code == 0, f"{' '.join(step.argv)}:\n{step.output[-3000:]}"
    assert len(steps) == len(commands)
    relocked = runtime.read_file(workdir / "uv.lock").decode()
    assert relocked == (context / SOURCE / "uv.lock").read_text(), (
        "the engine's `uv lock` changed ci/uv.lock, so it would not install the committed versions: "
        "run `uv run --frozen python ci/tests/engine_install.py` and commit ci/uv.lock"
    )

    runtime.activate_venv()
    loaded = cast("dict[str, object]", json.loads(runtime.must(workdir, "python", "-c", LOADER).output))
    assert loaded["entry_point"] == "shipyard_ci:Shipyard"
    assert loaded["distribution"] == "shipyard-ci"  # an installed entry point, not the package fallback
    assert loaded["dagger_io"] == "0.0.0"  # the vendored SDK, as in the engine
    assert loaded["functions"] == declared_functions()
    assert len(declared_functions()) >= 9
