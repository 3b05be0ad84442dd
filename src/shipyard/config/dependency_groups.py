"""A project's dependency groups (PEP 735) and which of them holds its tests.

Projects keep their test dependencies in `[dependency-groups]` more and more (`tests = ["pytest",
"pytest-asyncio", ...]`), with or without uv.lock. uv installs only its default groups (`dev`,
or `[tool.uv] default-groups`) and pip none at all, so a test leg that installs no group runs
the tests without their plugins: failures that are shipyard's, not the project's. The core picks
the group that holds pytest, installs it, and says so in the leg's description. Poetry's groups
are groups too (config.poetry_groups), translated for pip.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from packaging.requirements import InvalidRequirement, Requirement

from shipyard.config.poetry_groups import poetry_groups
from shipyard.config.toml_document import toml_document

if TYPE_CHECKING:
    from pathlib import Path

PREFERRED = ("test", "tests", "testing", "dev")
"""Group names tried first, in order, when several hold pytest."""
DEFAULT_UV_GROUPS = ("dev",)
"""What `uv sync` installs without `--group` unless `[tool.uv] default-groups` says otherwise."""


def normalized(name: str) -> str:
    """A group or project name as PEP 503/735 compare them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _document(root: Path) -> dict[str, object]:
    return toml_document(root / "pyproject.toml")


def pep735_groups(document: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """`[dependency-groups]` of a pyproject document, by normalised name.

    Each group's requirement strings, its `include-group`s resolved.
    """
    raw = document.get("dependency-groups")
    table = cast("dict[str, object]", raw) if isinstance(raw, dict) else {}
    by_name = {normalized(name): entries for name, entries in table.items()}

    def resolve(name: str, seen: frozenset[str]) -> tuple[str, ...]:
        entries = by_name.get(name)
        found: list[str] = []
        for entry in cast("list[object]", entries) if isinstance(entries, list) else []:
            if isinstance(entry, str):
                found.append(entry)
            elif isinstance(entry, dict):
                include = cast("dict[str, object]", entry).get("include-group")
                if isinstance(include, str) and normalized(include) not in seen:
                    found += resolve(normalized(include), seen | {normalized(include)})
        return tuple(dict.fromkeys(found))

    return {name: resolve(name, frozenset({name})) for name in by_name}


def dependency_groups(root: Path) -> dict[str, tuple[str, ...]]:
    """Each group of root/pyproject.toml.

    Its PEP 735 groups (`pep735_groups`), then Poetry's (config.poetry_groups) under their names
    (`dev-dependencies`: dev).
    """
    document = _document(root)
    groups = pep735_groups(document)
    for name, specs in poetry_groups(document).items():  # PEP 735's own groups first
        groups.setdefault(normalized(name), specs)
    return groups


def _name(spec: str) -> str | None:
    try:
        return normalized(Requirement(spec).name)
    except InvalidRequirement:
        return None


def requirement_names(specs: tuple[str, ...]) -> tuple[str, ...]:
    """Normalised project names of requirement strings (invalid ones left out)."""
    return tuple(name for name in map(_name, specs) if name is not None)


def uv_default_groups(root: Path) -> tuple[str, ...]:
    """The groups `uv sync` installs without `--group`."""
    tool = _document(root).get("tool")
    uv = cast("dict[str, object]", tool).get("uv") if isinstance(tool, dict) else None
    chosen = cast("dict[str, object]", uv).get("default-groups") if isinstance(uv, dict) else None
    if isinstance(chosen, list):
        return tuple(normalized(g) for g in cast("list[object]", chosen) if isinstance(g, str))
    return DEFAULT_UV_GROUPS


def group_of_tests(groups: dict[str, tuple[str, ...]]) -> str | None:
    """The group that holds the tests: one bringing pytest, the PREFERRED names first."""
    holding = [name for name, specs in groups.items() if "pytest" in requirement_names(specs)]
    for name in PREFERRED:
        if name in holding:
            return name
    return holding[0] if holding else None
