"""Which build backend, if any, takes the project's version from git (`[project] dynamic`).

setuptools-scm and hatch-vcs (setuptools-scm underneath) read `SETUPTOOLS_SCM_PRETEND_VERSION`
when no `.git` is at hand, which is what every stage container sees. versioningit has no such
variable (versioningit 3.3.0 reads only `VERSIONINGIT_LOG_LEVEL` and `SOURCE_DATE_EPOCH`): its
own fallback is `default-version` in `[tool.versioningit]`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from shipyard.config.toml_document import toml_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.config.load import Project

PRETEND_VERSION = "SETUPTOOLS_SCM_PRETEND_VERSION"
"""The variable setuptools-scm (and so hatch-vcs) takes the version from instead of git."""


@dataclass(frozen=True)
class VcsBackend:
    """A build backend plugin that derives the version from git."""

    name: str
    """`setuptools-scm`, `hatch-vcs` or `versioningit`."""
    override: str | None
    """The environment variable that gives it the version, or None when it reads none."""


SETUPTOOLS_SCM = VcsBackend(name="setuptools-scm", override=PRETEND_VERSION)
HATCH_VCS = VcsBackend(name="hatch-vcs", override=PRETEND_VERSION)
VERSIONINGIT = VcsBackend(name="versioningit", override=None)


def _requirement_names(requires: object) -> set[str]:
    if not isinstance(requires, list):
        return set()
    names: set[str] = set()
    for item in cast("list[object]", requires):
        if isinstance(item, str):
            match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", item)
            if match:
                names.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return names


def vcs_backend(document: Mapping[str, object]) -> VcsBackend | None:
    """The backend that takes the version from git in this parsed pyproject.toml, or None."""
    fields = toml_table(document.get("project")).get("dynamic", [])
    if not isinstance(fields, list) or "version" not in cast("list[object]", fields):
        return None
    tool = toml_table(document.get("tool"))
    build = toml_table(document.get("build-system"))
    backend = build.get("build-backend", "")
    requires = _requirement_names(build.get("requires"))
    if "versioningit" in tool or "versioningit" in requires:
        return VERSIONINGIT
    if isinstance(backend, str) and backend.startswith("hatchling"):
        source = toml_table(toml_table(tool.get("hatch")).get("version")).get("source")
        return HATCH_VCS if source == "vcs" else None
    if "setuptools_scm" in tool or "setuptools-scm" in requires:
        return SETUPTOOLS_SCM
    return None


def project_vcs_backend(project: Project) -> VcsBackend | None:
    """`vcs_backend` of the project's pyproject.toml (None without one)."""
    path = project.root / "pyproject.toml"
    if not path.is_file():
        return None
    return vcs_backend(tomllib.loads(path.read_text(encoding="utf-8")))
