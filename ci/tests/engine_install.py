"""The Dagger engine's install of this module, reproduced on a Docker Engine.

Every step mirrors dagger/dagger `sdk/python/runtime/` on the backport-0.21 branch (the engine
pinned by dagger.json is v0.21.11): the context directory (core/schema/modulesource.go,
loadModuleSourceContext), the vendored SDK (main.go WithSDK), the base image and uv (image.go,
images/*/Dockerfile, discovery.go parseBaseImage), the environment (main.go WithBase, WithSource,
WithInstall) and the install commands (main.go WithUpdates, WithInstall).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, cast

import docker
import docker.errors
import tomllib

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from docker.models.containers import Container

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    # the engine tests' check (tests/engine/conftest.py) is imported, not copied
    sys.path.append(str(REPO))

from tests.engine.conftest import docker_engine  # noqa: E402 - importable once REPO is on the path

__all__ = ["docker_engine"]

# images/uv/Dockerfile: `FROM ghcr.io/astral-sh/uv:0.10.3@sha256:7a88... AS uv`; the same uv from PyPI.
UV_VERSION = "0.10.3"
# discovery.go parseBaseImage: `<requires-python minimum>-slim` of the python image (ci/: >=3.11).
BASE_IMAGE = "python:3.11-slim"
# main.go ModSourceDirPath: the context directory is mounted at /src/<module source digest>.
SRC_ROOT = PurePosixPath("/src")
# main.go GenDir: the SDK is vendored into <source>/sdk.
VENDOR_DIR = "sdk"
# The runtime's `modpython-uv` cache volume (main.go uv()); a volume of these tests' own.
UV_CACHE_VOLUME = "shipyard-tests-modpython-uv"
PIP_CACHE_VOLUME = "shipyard-tests-modpython-pip"
# main.go New(): `+ignore` of the SDK directory the runtime vendors (dist/ is dropped by WithSDK).
SDK_FILES = (
    "pyproject.toml",
    "uv.lock",
    "src/**/*.py",
    "src/**/*.typed",
    "codegen/pyproject.toml",
    "codegen/**/*.py",
    "LICENSE",
    "README.md",
)

# The SDK's pyproject declares `[tool.uv.workspace] members = ["codegen"]`, and uv refuses to build
# it without that member ("references a workspace in `tool.uv.sources` ... but is not a workspace
# member"). The engine's copy has it (main.go New() `+ignore` keeps codegen/pyproject.toml); the
# PyPI sdist does not, so it is written here verbatim from dagger/dagger
# sdk/python/codegen/pyproject.toml (unchanged since 2025-08, #10825). Its sources are not needed:
# codegen is only a dev dependency of the SDK, never built by the module's install.
CODEGEN_PYPROJECT = """\
[project]
name = "codegen"
version = "0.0.0"
description = "Codegen for the Python SDK"
requires-python = ">= 3.10"
dependencies = ["graphql-core>=3.2.3"]

[build-system]
requires = ["uv_build>=0.8.4,<0.9.0"]
build-backend = "uv_build"
"""


@dataclass(frozen=True)
class Step:
    """One `withExec` of the runtime and what it gave."""

    argv: tuple[str, ...]
    exit_code: int
    output: str


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A dagger.json include pattern (gitignore-like, relative to dagger.json) as a regex."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    # a pattern naming a directory takes everything under it
    return re.compile(out + "(?:/.*)?")


def context_patterns(config: dict[str, object]) -> list[str]:
    """The include list the engine loads (modulesource.go loadModuleSourceContext).

    Always dagger.json, then the `source` directory, then dagger.json's `include` patterns;
    a `!` pattern excludes and the last matching pattern wins.
    """
    include = cast("list[str]", config.get("include", []))
    return ["dagger.json", str(config["source"]), *include]


def included(path: str, patterns: Sequence[str]) -> bool:
    """Whether the context keeps `path` (the last matching pattern decides)."""
    keep = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _pattern_regex(pattern.removeprefix("!")).fullmatch(path):
            keep = not negated
    return keep


def module_context(repo: Path, target: Path) -> list[str]:
    """Copy the files the engine uploads for the module into `target`; return their paths.

    A local module source is uploaded with `gitignore: true`, so the candidates are the files
    git does not ignore: tracked plus untracked-but-not-ignored (`git ls-files -co --exclude-standard`).
    """
    config = cast("dict[str, object]", json.loads((repo / "dagger.json").read_text()))
    patterns = context_patterns(config)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout.decode()
    kept = sorted({p for p in listed.split("\0") if p and (repo / p).is_file() and included(p, patterns)})
    for rel in kept:
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target / rel)
    return kept


def pinned_sdist(repo: Path) -> tuple[str, str, str]:
    """(version, url, sha256) of the dagger-io sdist the repo's uv.lock pins."""
    lock = tomllib.loads((repo / "uv.lock").read_text())
    packages = cast("list[dict[str, object]]", lock["package"])
    (pkg,) = [p for p in packages if p["name"] == "dagger-io"]
    sdist = cast("dict[str, str]", pkg["sdist"])
    return str(pkg["version"]), sdist["url"], sdist["hash"].removeprefix("sha256:")


def download(url: str, sha256: str, target: Path) -> Path:
    """Download `url` to `target` once; refuse a file whose hash is not the pinned one."""
    if not target.exists():
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a pinned https URL
            data = cast("bytes", response.read())
        target.write_bytes(data)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest != sha256:
        target.unlink()
        msg = f"{url}: sha256 {digest}, but uv.lock pins {sha256}; run the test again"
        raise AssertionError(msg)
    return target


def _sdk_file(rel: str) -> bool:
    return any(_pattern_regex(p).fullmatch(rel) for p in SDK_FILES)


def vendor_sdk(sdist: Path, target: Path) -> None:
    """Unpack the SDK into `target` as the engine vendors its own copy of sdk/python.

    The engine's copy is its source tree, whose pyproject says `version = "0.0.0"` (the real
    version is stamped only into PyPI releases): the same file is made from the sdist here.
    """
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            rel = PurePosixPath(member.name)
            rel_str = str(PurePosixPath(*rel.parts[1:])) if len(rel.parts) > 1 else ""
            if not member.isfile() or not _sdk_file(rel_str):
                continue
            extracted = archive.extractfile(member)
            assert extracted is not None
            (target / rel_str).parent.mkdir(parents=True, exist_ok=True)
            (target / rel_str).write_bytes(extracted.read())
    pyproject = target / "pyproject.toml"
    text, count = re.subn(r'(?m)^version = "[^"]+"$', 'version = "0.0.0"', pyproject.read_text(), count=1)
    assert count == 1, f"{sdist}: no version line in pyproject.toml"
    pyproject.write_text(text)
    codegen = target / "codegen" / "pyproject.toml"
    if not codegen.exists():
        codegen.parent.mkdir(parents=True, exist_ok=True)
        codegen.write_text(CODEGEN_PYPROJECT)


def _tar(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(directory, arcname=".")
    return buffer.getvalue()


def source_digest(context: Path) -> str:
    """A stand-in for the module source digest that names the mount point (discovery.go loadModInfo)."""
    h = hashlib.sha256()
    for path in sorted(context.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(context)).encode())
            h.update(path.read_bytes())
    return "sha256:" + h.hexdigest()


def runtime_env(module: str, package: str, main_object: str) -> dict[str, str]:
    """The environment of the runtime container (main.go WithBase, uv(), WithSource, WithInstall)."""
    return {
        "DAGGER_BASE_IMAGE": BASE_IMAGE,
        "PYTHONUNBUFFERED": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
        "DAGGER_UV_VERSION": UV_VERSION,
        "UV_SYSTEM_PYTHON": "1",
        "UV_LINK_MODE": "copy",
        "UV_NATIVE_TLS": "1",
        "UV_PROJECT_ENVIRONMENT": "/opt/venv",
        "DAGGER_MODULE": module,
        "DAGGER_DEFAULT_PYTHON_PACKAGE": package,
        "DAGGER_MAIN_OBJECT": main_object,
        "UV_COMPILE_BYTECODE": "1",
    }


def install_commands(source: Path) -> list[tuple[str, ...]]:
    """The runtime's install commands for the module source at `source` (main.go WithUpdates, WithInstall).

    With a uv.lock: `uv lock`, then `uv sync --no-dev`. Without one (and no requirements.lock):
    the legacy path, `uv pip install -e ./sdk -e .` then `uv pip check`.
    """
    if (source / "uv.lock").exists():
        return [("uv", "lock"), ("uv", "sync", "--no-dev")]
    install = ["uv", "pip", "install", "-e", f"./{VENDOR_DIR}", "-e", "."]
    if (source / "requirements.lock").exists():
        install += ["--no-deps", "-r", "requirements.lock"]
    return [tuple(install), ("uv", "pip", "check")]


class RuntimeContainer:
    """A python:3.11-slim container set up as the Python runtime module sets up its own."""

    def __init__(self, env: dict[str, str]) -> None:
        """Start the container and install the runtime's uv in it."""
        self.client = docker.from_env()
        self.env = env
        self.container: Container = self.client.containers.run(
            BASE_IMAGE,
            ["sleep", "infinity"],
            detach=True,
            network_mode="host",  # PyPI through the host (no other registry here)
            volumes={
                UV_CACHE_VOLUME: {"bind": "/root/.cache/uv", "mode": "rw"},
                PIP_CACHE_VOLUME: {"bind": "/root/.cache/pip", "mode": "rw"},
            },
            labels={"shipyard.tests": "ci-engine-install"},
        )
        self.must("/", "pip", "install", "-q", "--target", "/opt/uv", f"uv=={UV_VERSION}")
        # main.go uv(): the uv and uvx binaries are mounted at /usr/local/bin, over any uv of the image
        for name in ("uv", "uvx"):
            self.must("/", "ln", "-sf", f"/opt/uv/bin/{name}", f"/usr/local/bin/{name}")

    def add_context(self, context: Path) -> PurePosixPath:
        """Copy a context directory in at /src/<digest> (main.go WithSource); return that path."""
        context_dir = SRC_ROOT / source_digest(context)
        self.must("/", "mkdir", "-p", str(context_dir))
        self.container.put_archive(str(context_dir), _tar(context))
        return context_dir

    def activate_venv(self) -> None:
        """main.go WithInstall after `uv sync`: VIRTUAL_ENV and PATH name the project environment."""
        image_env = cast("list[str]", self.container.attrs["Config"]["Env"])
        path = dict(e.split("=", 1) for e in image_env)["PATH"]
        venv = self.env["UV_PROJECT_ENVIRONMENT"]
        self.env = {**self.env, "VIRTUAL_ENV": venv, "PATH": f"{venv}/bin:{path}"}

    def run(self, workdir: PurePosixPath | str, *argv: str) -> Step:
        """One withExec in `workdir` with the runtime's environment."""
        code, output = self.container.exec_run(list(argv), environment=self.env, workdir=str(workdir))
        return Step(argv, cast("int", code), cast("bytes", output).decode(errors="replace"))

    def read_file(self, path: PurePosixPath) -> bytes:
        """The contents of one file of the container."""
        chunks, _ = self.container.get_archive(str(path))
        with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
            extracted = archive.extractfile(path.name)
            assert extracted is not None, path
            return extracted.read()

    def must(self, workdir: PurePosixPath | str, *argv: str) -> Step:
        """Run a step that has to succeed."""
        step = self.run(workdir, *argv)
        assert step.exit_code == 0, f"{' '.join(argv)} exited {step.exit_code}:\n{step.output[-3000:]}"
        return step

    def run_all(self, workdir: PurePosixPath, commands: Iterable[tuple[str, ...]]) -> list[Step]:
        """Run the commands in order, stopping at the first that fails (as chained withExec do)."""
        steps: list[Step] = []
        for argv in commands:
            steps.append(self.run(workdir, *argv))
            if steps[-1].exit_code != 0:
                break
        return steps

    def close(self) -> None:
        """Remove the container (the cache volumes stay, for a warm next run)."""
        with contextlib.suppress(docker.errors.NotFound):
            self.container.remove(force=True)
        self.client.close()


# Run inside the container: the runtime's loader (dagger/mod/cli.py load_module via get_entry_point),
# then the main object's registered functions (dagger/mod/_module.py get_object).
LOADER = """
import importlib.metadata, json, os
from dagger.mod.cli import get_entry_point, load_module
ep = get_entry_point()
obj = load_module().get_object(os.environ["DAGGER_MAIN_OBJECT"])
print(json.dumps({
    "entry_point": ep.value,
    "distribution": None if ep.dist is None else ep.dist.name,
    "functions": sorted(obj.functions),
    "dagger_io": importlib.metadata.version("dagger-io"),
}))
"""


def relock(repo: Path, scratch: Path, env: dict[str, str]) -> bytes:
    """Make ci/uv.lock as the engine does: `uv lock` of the uploaded context, in the runtime container."""
    module_context(repo, scratch)
    version, url, sha256 = pinned_sdist(repo)
    vendor_sdk(
        download(url, sha256, scratch.parent / f"dagger_io-{version}.tar.gz"), scratch / "ci" / VENDOR_DIR
    )
    runtime = RuntimeContainer(env)
    try:
        workdir = runtime.add_context(scratch) / "ci"
        runtime.must(workdir, "uv", "lock")
        return runtime.read_file(workdir / "uv.lock")
    finally:
        runtime.close()


if __name__ == "__main__":
    # Rewrite ci/uv.lock: `uv run --frozen python ci/tests/engine_install.py` (needs the Docker Engine).
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        context = Path(scratch) / "context"
        context.mkdir()
        lock = relock(REPO, context, runtime_env("shipyard", "shipyard_ci", "Shipyard"))
    (REPO / "ci" / "uv.lock").write_bytes(lock)
