"""The project's files: which exist, which a stage reads, and their content hashes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any, cast

from shipyard.plan.fenced import NO_CODE, fenced, fenced_hash
from shipyard.plan.globs import matches_any, matches_whole

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from shipyard.stages.spec import SourceFilter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SETTINGS_FILES: tuple[str, ...] = ("pyproject.toml", "shipyard.toml")
"""The root files that hold `[tool.shipyard]`; stages that read them as configuration (not as bytes)
hash them without that table, whose settings already reach each stage through its action."""
_WITHOUT_SETTINGS = "\0without [tool.shipyard]"
MARKDOWN = ".md"
"""Files `hash_files` also hashes by their fenced code (plan.fenced), for stages that read only that."""


def without_settings(path: str) -> str:
    """The key under which `hash_files` records a settings file's hash without `[tool.shipyard]`.

    A NUL never occurs in a path, so the key cannot be a file's.
    """
    return path + _WITHOUT_SETTINGS


def list_files(root: Path) -> list[str]:
    """Relative paths of the project's files.

    In a git work tree, git's view (tracked and untracked, not ignored); every file otherwise.
    """
    listed = _git_files(root)
    if listed is None:
        listed = _walk(root)
    return sorted(p for p in listed if (root / p).is_file() or (root / p).is_symlink())


def _git_files(root: Path) -> list[str] | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    if proc.returncode != 0:
        return None
    return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _walk(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in {".git", ".shipyard", ".venv", "__pycache__"}]
        rel = os.path.relpath(dirpath, root)
        found.extend(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/") for name in filenames)
    return found


def select(files: Iterable[str], source_filter: SourceFilter) -> list[str]:
    """The files a stage reads, in a stable order."""
    under = f"{source_filter.under.strip('/')}/" if source_filter.under.strip("/.") else ""
    chosen: list[str] = []
    for path in files:
        if path in source_filter.also:  # a file named outright
            chosen.append(path)
            continue
        if source_filter.also and matches_whole(path, source_filter.also):
            # caches and bytecode stay out at any depth (the filter's `**/` and name patterns)
            # (and what the filter keeps at any depth comes back: a member's README for its backend)
            if not matches_any(path, _anywhere(source_filter.exclude)) or matches_any(
                path, _anywhere(source_filter.keep)
            ):
                chosen.append(path)
            continue
        if not path.startswith(under):
            continue
        relative = path[len(under) :]
        if not matches_any(relative, source_filter.include):
            continue
        if matches_any(relative, source_filter.exclude) and not matches_any(relative, source_filter.keep):
            continue
        chosen.append(path)
    return sorted(chosen)


def _anywhere(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The patterns that match at any depth (`**/…`, or a bare name)."""
    return tuple(p for p in patterns if p.startswith("**/") or "/" not in p)


def hash_files(root: Path, files: Iterable[str]) -> dict[str, str]:
    """SHA-256 of each file's content (a symlink hashes its target path; an executable bit counts)."""
    hashes: dict[str, str] = {}
    for path in files:
        full = root / path
        digest = hashlib.sha256()
        if full.is_symlink():
            digest.update(b"link:" + str(full.readlink()).encode())
        else:
            with full.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            if os.access(full, os.X_OK):
                digest.update(b"+x")
        hashes[path] = digest.hexdigest()
        if path in SETTINGS_FILES and not full.is_symlink():
            hashes[without_settings(path)] = _settings_free_hash(full, hashes[path])
        if path.endswith(MARKDOWN) and not full.is_symlink():
            view = fenced_hash(full.read_bytes())
            if view is not None:
                hashes[fenced(path)] = view
    return hashes


def viewed(hashes: Mapping[str, str], files: Iterable[str], code_only: tuple[str, ...]) -> dict[str, str]:
    """Each file's hash as a stage reads it: files matching `code_only` by their fenced-code view.

    Such a file with no code at all is left out, as if the stage did not read it (plan.fenced).
    """
    chosen: dict[str, str] = {}
    for path in files:
        view = hashes.get(fenced(path)) if code_only and matches_any(path, code_only) else None
        if view == NO_CODE:
            continue
        chosen[path] = hashes[path] if view is None else view
    return chosen


def _settings_free_hash(path: Path, raw: str) -> str:
    """SHA-256 of a canonical form of the TOML document minus shipyard's table (`raw` if unparsable).

    shipyard.toml is all shipyard's table, so it hashes as an empty document.
    """
    if path.name != "pyproject.toml":
        return hashlib.sha256(b"{}").hexdigest()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return raw
    tool = document.get("tool")
    if isinstance(tool, dict):
        rest = {k: v for k, v in cast("dict[str, Any]", tool).items() if k != "shipyard"}
        document = {**document, "tool": rest} if rest else {k: v for k, v in document.items() if k != "tool"}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def tree_digest(hashes: Mapping[str, str], files: Iterable[str]) -> str:
    """One digest over the named files' paths and content hashes."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{hashes[path]}\n".encode())
    return digest.hexdigest()
