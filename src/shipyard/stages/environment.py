"""A test leg's environment as core data: which files its setup reads, and the key it is kept by.

The setup of a test leg (a venv with the locked dependencies, coverage beside it) depends only
on the base image, the setup commands, their environment variables, the tools they run and a
few project files. Those files are named here, from the project's own declarations; the key
over all of it is computed here too, from what the executor observed (the image's ID, the tool
images' IDs, the files' bytes). An executor only looks the key up: it never decides what is in it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import sys
from typing import TYPE_CHECKING

from shipyard.config.toml_document import toml_document, toml_strings, toml_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from shipyard.config.load import Project
    from shipyard.stages.spec import ContainerStep

KEY_VERSION = "shipyard-environment/3"
"""Changes whenever the key's recipe changes, so an older kept environment is never taken for a newer."""
UV_FILES = ("pyproject.toml", "uv.lock", "uv.toml")
"""What `uv sync --locked --no-install-workspace` reads at the root."""
LOCAL_REQUIREMENT = ("-e", "--editable", ".", "/", "file:", "~")
"""Requirement lines that point into the local tree: such a setup needs the source, so no split."""
NESTED = ("-r", "--requirement", "-c", "--constraint")
_COMMENT = re.compile(r"(^|\s)#.*$")
"""A requirements file's comment (pip: `#` at the start of a line or after whitespace; `#egg=` is not one)."""


def uv_reads(project: Project) -> tuple[str, ...] | None:
    """The files the uv setup reads; None when it would need more than metadata (no split then).

    Root files, plus each workspace member's and each in-tree path source's pyproject.toml.
    A project whose dependencies are computed by its build backend (`dynamic`) needs the source.
    """
    workspace = project.workspace
    if (
        workspace is not None
        and workspace.locked
        and project.member is not None
        and project.member.path != "."
    ):
        # a member's setup reads the workspace's root files and every member's pyproject.toml
        members = (toml_document(workspace.root / m.path / "pyproject.toml") for m in workspace.members)
        return None if any(_dynamic_dependencies(data) for data in members) else workspace.reads()
    root = project.root
    data = toml_document(root / "pyproject.toml")
    if _dynamic_dependencies(data):
        return None
    found = [name for name in UV_FILES if (root / name).is_file()]
    for member in _members(root, data) + _path_sources(root, data):
        if (root / member).is_file():  # a wheel or sdist the lock points at
            found.append(member)
            continue
        pyproject = f"{member}/pyproject.toml"
        if not (root / pyproject).is_file():
            continue
        if _dynamic_dependencies(toml_document(root / pyproject)):
            return None
        found.append(pyproject)
    return tuple(dict.fromkeys(found))


def pip_reads(project: Project, requirements: tuple[str, ...]) -> tuple[str, ...] | None:
    """The requirement and constraint files the pip setup reads, nested `-r`/`-c` ones included.

    `requirements`: the files it installs (stages.install.requirements_installed). None when one
    of them names a local path or an editable install (that setup needs the source).
    """
    test = project.config.test
    pending = [*requirements, *([test.constraints] if test.constraints else [])]
    seen: list[str] = []
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.append(name)
        path = project.root / name
        if not path.is_file():
            continue  # pip says it is missing, in the setup's own log
        for raw in path.read_text("utf-8", "replace").splitlines():
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith(LOCAL_REQUIREMENT) or "@ file:" in line:
                return None
            option, _, value = line.partition(" ")
            if option in NESTED and value.strip():
                pending.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), value.strip())))
    return tuple(seen)


def environment_key(
    step: ContainerStep,
    *,
    image_id: str,
    tool_ids: Mapping[str, str],
    files: Mapping[str, bytes],
) -> str:
    """The digest a prepared environment is kept by.

    Over: the base image's ID (never its tag), the platform, the setup commands, the environment
    variables the setup runs with (not `later_env`) and the workdir, each tool's pinned reference
    and the ID of the image it came from, and what every file the setup reads says (`content_digest`:
    a comment or a reformatting changes nothing the installer sees, so it keeps the environment).
    `files` holds those bytes by path; a file the setup reads that the project lacks counts as
    absent (creating it changes the key).
    """
    environment = step.environment
    if environment is None:
        msg = "the step prepares no environment"
        raise ValueError(msg)
    recipe = {
        "version": KEY_VERSION,
        "image": image_id,
        "platform": step.platform,
        "workdir": step.workdir,
        "env": sorted(step.setup_env.items()),
        "setup": [[c.label, c.may_fail, c.stdout, *c.argv] for c in step.setup_commands],
        "writes": list(environment.writes),
        "bytecode": environment.bytecode,
        "tools": sorted([t.tool, t.image, t.source, t.dest, tool_ids.get(t.image, "")] for t in step.tools),
        "files": {
            path: content_digest(path, files[path]) if path in files else None for path in environment.reads
        },
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def content_digest(path: str, data: bytes) -> str:
    """The digest of what a file the setup reads means to its installer.

    A TOML file (pyproject.toml, uv.lock, poetry.lock, uv.toml) by its parsed value; a requirements
    or constraints file by its lines without comments and blank lines (pip's rule: `#` at the
    start or after whitespace); anything else, or a file that does not parse, by its bytes.
    """
    name = posixpath.basename(path)
    if name.endswith((".toml", ".lock")):
        try:
            value = tomllib.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return hashlib.sha256(data).hexdigest()
        canonical = json.dumps(value, sort_keys=True, default=str).encode()
        return "toml:" + hashlib.sha256(canonical).hexdigest()
    if name.endswith((".txt", ".in")):
        try:
            lines = [_COMMENT.sub("", line).strip() for line in data.decode("utf-8").splitlines()]
        except UnicodeDecodeError:
            return hashlib.sha256(data).hexdigest()
        kept = "\n".join(line for line in lines if line).encode()
        return "lines:" + hashlib.sha256(kept).hexdigest()
    return hashlib.sha256(data).hexdigest()


def read_files(root: Path, reads: tuple[str, ...]) -> dict[str, bytes]:
    """The bytes of the files a setup reads, for `environment_key` (absent ones left out)."""
    return {path: (root / path).read_bytes() for path in reads if (root / path).is_file()}


def _dynamic_dependencies(data: dict[str, object]) -> bool:
    dynamic = toml_strings(toml_table(data, "project").get("dynamic"))
    return bool({"dependencies", "optional-dependencies"} & set(dynamic))


def _members(root: Path, data: dict[str, object]) -> list[str]:
    workspace = toml_table(data, "tool", "uv", "workspace")

    def matched(key: str) -> list[str]:
        return [str(p.relative_to(root)) for g in toml_strings(workspace.get(key)) for p in root.glob(g)]

    excluded = set(matched("exclude"))
    matches = sorted(matched("members"))
    return [m for m in matches if m not in excluded and (root / m).is_dir()]


def _path_sources(root: Path, data: dict[str, object]) -> list[str]:
    found: list[str] = []
    for source in toml_table(data, "tool", "uv", "sources").values():
        path = toml_table({"s": source}, "s").get("path")
        if isinstance(path, str) and (root / path).resolve().is_relative_to(root.resolve()):
            found.append(str((root / path).resolve().relative_to(root.resolve())))
    return found
