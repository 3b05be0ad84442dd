"""uv workspaces: where the workspace root is, which packages are its members, which need which.

A uv workspace is a root `pyproject.toml` with `[tool.uv.workspace] members = [globs]` (minus
`exclude`) and one `uv.lock` for all of them (uv's docs, "Using workspaces"). The root is a member
too when it has a `[project]` table; without one it is "virtual". uv finds the root by walking up
from a member, and so does shipyard: `--source packages/api` runs the workspace, for that member.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from shipyard.config.toml_document import toml_strings, toml_table
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

LOCK = "uv.lock"
ROOT_FILES = ("pyproject.toml", LOCK, "uv.toml")
"""What uv reads at the workspace root to check the lock (with every member's pyproject.toml)."""


@dataclass(frozen=True)
class Member:
    """One package of a workspace."""

    path: str
    """Its directory relative to the workspace root, slash-separated (`.` for the root itself)."""
    name: str
    """Its `[project].name` (what `uv sync --package` takes)."""
    needs: tuple[str, ...]
    """Paths of the other members it depends on (dependencies, extras or groups)."""


@dataclass(frozen=True)
class Workspace:
    """A uv workspace (one lock for all members), or a folder of packages each with its own install."""

    root: Path
    members: tuple[Member, ...]
    locked: bool = True
    """A uv workspace: members install from the root's lock (`uv sync --package`). False for a
    directory of separate packages (no pyproject.toml at the root): each installs on its own."""

    @property
    def virtual(self) -> bool:
        """Whether the root is no package of its own (no `[project]` table)."""
        return all(member.path != "." for member in self.members)

    def named(self, name: str) -> Member | None:
        """The member of that name (names compare as the index does: normalized)."""
        wanted = canonicalize_name(name)
        return next((m for m in self.members if canonicalize_name(m.name) == wanted), None)

    def at(self, path: str) -> Member | None:
        """The member in directory `path` (relative to the root)."""
        return next((m for m in self.members if m.path == path), None)

    def closure(self, member: Member) -> tuple[Member, ...]:
        """The members `member` depends on, directly or not (itself not included)."""
        found: dict[str, Member] = {}
        todo = list(member.needs)
        while todo:
            path = todo.pop()
            other = self.at(path)
            if other is None or path in found or path == member.path:
                continue
            found[path] = other
            todo += other.needs
        return tuple(found[p] for p in sorted(found))

    def dependents(self, member: Member) -> tuple[Member, ...]:
        """The members that depend on `member`, directly or not."""
        return tuple(m for m in self.members if member in self.closure(m))

    def reads(self) -> tuple[str, ...]:
        """The files `uv sync --locked` reads before any source: root files and members' pyprojects.

        None of them for a directory of separate packages: each member's install reads its own.
        """
        if not self.locked:
            return ()
        members = [f"{m.path}/pyproject.toml" for m in self.members if m.path != "."]
        return (*ROOT_FILES, *members)


PACKAGE_GLOBS = ("*/pyproject.toml", "*/*/pyproject.toml")
"""Where a directory of packages (a monorepo without a workspace) keeps them: one or two levels down."""
NOT_PACKAGES = frozenset(
    {".git", ".venv", "venv", ".tox", ".nox", "node_modules", ".shipyard", "build", "dist"}
)


def find_workspace(directory: Path) -> Workspace | None:
    """The uv workspace `directory` belongs to (as its root or a member), or None.

    Walks up from `directory` as uv does; a workspace whose members do not include `directory`
    is not its workspace (uv then treats the project as standalone too). A directory with no
    pyproject.toml of its own whose subfolders hold packages is a directory of packages.
    """
    start = directory.resolve()
    if not (start / "pyproject.toml").is_file():
        return _directory_of_packages(start)
    for candidate in (start, *start.parents):
        # a broken pyproject.toml above the project is not the project's: uv would stop there too
        data = _toml(candidate / "pyproject.toml", strict=candidate == start)
        table = toml_table(data, "tool", "uv", "workspace")
        if not table:
            continue
        workspace = _workspace(candidate, data, table)
        if candidate == start:
            return workspace if workspace.members else None
        return workspace if workspace.at(start.relative_to(candidate).as_posix()) else None
    return None


def _directory_of_packages(root: Path) -> Workspace | None:
    paths = sorted(
        {
            p.parent.relative_to(root).as_posix()
            for pattern in PACKAGE_GLOBS
            for p in root.glob(pattern)
            if not NOT_PACKAGES & set(p.relative_to(root).parts) and "project" in _toml(p, strict=False)
        }
    )
    # a package inside another package is that package's business (a test fixture, say)
    outer = [p for p in paths if not any(p.startswith(f"{other}/") for other in paths)]
    if not outer:
        return None
    return replace(_members(root, {p: _toml(root / p / "pyproject.toml") for p in outer}), locked=False)


def _workspace(root: Path, data: dict[str, object], table: dict[str, object]) -> Workspace:
    excluded = {p.resolve() for pattern in toml_strings(table.get("exclude")) for p in root.glob(pattern)}
    paths = sorted(
        {
            p.resolve().relative_to(root).as_posix()
            for pattern in toml_strings(table.get("members"))
            for p in root.glob(pattern)
            if p.resolve() not in excluded and (p / "pyproject.toml").is_file()
        }
    )
    documents = {path: _toml(root / path / "pyproject.toml") for path in paths}
    if "project" in data:
        documents = {".": data, **documents}
    return _members(root, documents)


def _members(root: Path, documents: dict[str, dict[str, object]]) -> Workspace:
    """The members of these pyproject documents (by folder), each with the members it depends on."""
    names: dict[str, str] = {
        canonicalize_name(str(toml_table(doc, "project").get("name", ""))): path
        for path, doc in documents.items()
        if toml_table(doc, "project").get("name")
    }
    members: list[Member] = []
    for path, doc in documents.items():
        name = toml_table(doc, "project").get("name")
        if not isinstance(name, str):
            raise ConfigError(
                f"{root / path / 'pyproject.toml'}: a uv workspace member needs [project].name",
                fix="give the member a name, or exclude it in [tool.uv.workspace] exclude",
            )
        needed = {names[n] for n in _requirement_names(doc) if n in names} - {path}
        members.append(Member(path=path, name=name, needs=tuple(sorted(needed))))
    return Workspace(root=root, members=tuple(members))


def _requirement_names(document: dict[str, object]) -> set[str]:
    project = toml_table(document, "project")
    lines = toml_strings(project.get("dependencies"))
    for extra in toml_table(project, "optional-dependencies").values():
        lines += toml_strings(extra)
    for group in toml_table(document, "dependency-groups").values():
        lines += toml_strings(group)  # an include-group table is no requirement: dropped by _strings
    return {name for line in lines if (name := _requirement_name(line))}


def _requirement_name(line: str) -> str | None:
    try:
        return canonicalize_name(Requirement(line).name)
    except InvalidRequirement:
        return None  # uv itself reports a malformed requirement, in the install's own log


def _toml(path: Path, *, strict: bool = True) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}
    except tomllib.TOMLDecodeError as exc:
        if not strict:
            return {}
        raise ConfigError(f"{path}: not valid TOML: {exc}", fix="correct the TOML syntax") from exc
