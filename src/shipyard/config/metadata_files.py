"""The files a project's build backend reads into its metadata, found in its own configuration.

Installing a project builds it (an editable wheel, or a wheel in a Dockerfile): the backend then
reads the README, the license, a changelog its readme plugin pastes in, a version file. They are
documents by their names, which the code stages leave out of their inputs (a docs edit re-runs
nothing); a file the backend reads must be in the container all the same, or the install fails
on shipyard's filter, not on the project ("Fragment file 'CHANGELOG.md' not found").

What is read, by where it is declared:
- pyproject.toml: `project.readme` (a path, or `{file = ...}`), `project.license = {file = ...}`,
  `project.license-files` (PEP 639 globs; hatchling's older `{paths, globs}`), hatch-fancy-pypi-
  readme's fragment paths, `tool.hatch.version.path`, `tool.setuptools.dynamic.*.file`,
  `tool.poetry.readme` (a path or a list), `tool.pdm.version.path`;
- setup.cfg: every `file:` value of `[metadata]` / `[options]` (`long_description = file: ...`),
  and `license_files`;
- setup.py: code, so not read as such: a quoted name of a document that exists next to it
  (`open("README.rst")`) counts, which may keep one file too many, never one too few that it names.
"""

from __future__ import annotations

import configparser
import re
from typing import TYPE_CHECKING, Any, cast

from shipyard.config.toml_document import toml_document, toml_table

if TYPE_CHECKING:
    from pathlib import Path

SETUP_PY_DOCUMENT = re.compile(r"""["']([\w./-]+\.(?:md|rst|txt|markdown))["']""")
"""A quoted document name in setup.py code."""


def metadata_files(root: Path) -> tuple[str, ...]:
    """Paths and globs, relative to `root`, of the files its build backend reads into the metadata."""
    found: list[str] = []
    pyproject = toml_document(root / "pyproject.toml")
    found += _from_pyproject(pyproject)
    found += _from_setup_cfg(root / "setup.cfg")
    found += _from_setup_py(root)
    return tuple(dict.fromkeys(_relative(p) for p in found if _relative(p)))


def _relative(path: str) -> str:
    return path.strip().removeprefix("./")


def _get(table: object, *keys: str) -> object:
    for key in keys:
        table = toml_table(table).get(key)
    return table


def _paths(value: object, key: str = "file") -> list[str]:
    """A path (`"README.md"`), a list of them, or a table naming them under `key`."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in cast("list[object]", value) if isinstance(item, str)]
    return _paths(toml_table(value).get(key), key) if toml_table(value) else []


def _from_pyproject(document: dict[str, Any]) -> list[str]:
    project = _get(document, "project")
    found = _paths(_get(project, "readme"))
    found += _paths(_get(project, "license")) if isinstance(_get(project, "license"), dict) else []
    license_files = _get(project, "license-files")
    found += _paths(license_files)
    older = toml_table(license_files)  # hatchling before PEP 639: {paths = [...], globs = [...]}
    found += _paths(older.get("paths"), "paths") + _paths(older.get("globs"), "globs")
    fragments = _get(document, "tool", "hatch", "metadata", "hooks", "fancy-pypi-readme", "fragments")
    if isinstance(fragments, list):
        found += [p for fragment in cast("list[object]", fragments) for p in _paths(_get(fragment, "path"))]
    found += _paths(_get(document, "tool", "hatch", "version", "path"))
    found += _paths(_get(document, "tool", "pdm", "version", "path"))
    for key, value in toml_table(_get(document, "tool", "setuptools", "dynamic")).items():
        if key == "optional-dependencies":  # {extra = {file = [...]}}
            found += [p for inner in toml_table(value).values() for p in _paths(inner)]
        else:
            found += _paths(value)
    found += _paths(_get(document, "tool", "poetry", "readme"))
    return found


def _from_setup_cfg(path: Path) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return []
    found: list[str] = []
    for section in ("metadata", "options"):
        if not parser.has_section(section):
            continue
        for key, value in parser.items(section):
            if value.strip().startswith("file:"):
                found += [p for p in value.strip().removeprefix("file:").split(",") if p.strip()]
            elif key in {"license_files", "license_file"}:
                found += [p for p in re.split(r"[,\n]", value) if p.strip()]
    return found


def _from_setup_py(root: Path) -> list[str]:
    try:
        code = (root / "setup.py").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [name for name in SETUP_PY_DOCUMENT.findall(code) if (root / name).is_file()]
