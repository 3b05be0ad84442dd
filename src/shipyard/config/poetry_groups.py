"""Poetry's dependency groups as requirement strings pip understands.

A Poetry project keeps its test dependencies in `[tool.poetry.group.<name>.dependencies]` (or the
older `[tool.poetry.dev-dependencies]`, group `dev`), which no installer but Poetry reads: pip gets
the project and pytest, and the tests fail on imports (rich: `No module named 'attr'`). These are
translated to PEP 508 strings by Poetry's documented constraint rules
(python-poetry.org/docs/dependency-specification): `^1.2.3` is `>=1.2.3,<2.0.0`, `^0.2.3` is
`>=0.2.3,<0.3.0`, `~1.2.3` is `>=1.2.3,<1.3.0`, `~1` is `>=1,<2`, a bare `1.2.3` is `==1.2.3`, `*`
is any version, commas and spaces join constraints; a table adds `extras`, `markers` and a
`python` constraint (as a `python_full_version` marker); a list gives one string per entry (their
markers keep them apart); `git` and `url` sources become direct references. A `path` source is
the project's own tree (nothing to translate: left out), as is a union (`||`), which PEP 508
cannot say: that entry is installed at any version. poetry.lock's versions are pip's
constraints (`poetry_lock_pins`), so the tests run against what the project locked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from packaging.version import InvalidVersion, Version

from shipyard.config.toml_document import toml_document, toml_table

if TYPE_CHECKING:
    from pathlib import Path

OPERATOR_SPACE = re.compile(r"([<>=!~^]+)\s+")
"""`>= 1.2`: Poetry allows a space after the operator."""


def poetry_groups(document: dict[str, object]) -> dict[str, tuple[str, ...]]:
    """`{group: requirement strings}` of a pyproject's Poetry groups (`dev-dependencies` is `dev`)."""
    poetry = toml_table(toml_table(document.get("tool")).get("poetry"))
    groups: dict[str, tuple[str, ...]] = {}
    legacy = toml_table(poetry.get("dev-dependencies"))
    if legacy:
        groups["dev"] = _requirements(legacy)
    for name, group in toml_table(poetry.get("group")).items():
        found = _requirements(toml_table(toml_table(group).get("dependencies")))
        groups[name] = tuple(dict.fromkeys((*groups.get(name, ()), *found)))
    return groups


def _requirements(dependencies: dict[str, object]) -> tuple[str, ...]:
    found: list[str] = []
    for name, spec in dependencies.items():
        if name.lower() == "python":
            continue
        entries = cast("list[object]", spec) if isinstance(spec, list) else [spec]
        found += [r for entry in entries if (r := requirement(name, entry)) is not None]
    return tuple(found)


def requirement(name: str, spec: object) -> str | None:
    """One Poetry dependency as a PEP 508 string; None for a path source (the project's own tree)."""
    table = toml_table(spec) or {"version": spec}
    if "path" in table:
        return None
    extras = [str(e) for e in cast("list[object]", table.get("extras") or []) if isinstance(e, str)]
    head = f"{name}[{','.join(extras)}]" if extras else name
    markers = [f"({m})" for m in (table.get("markers"),) if isinstance(m, str) and m.strip()]
    python = table.get("python")
    if isinstance(python, str):
        markers += [f'python_full_version {op} "{v}"' for op, v in _specifiers(python)]
    where = f" ; {' and '.join(markers)}" if markers else ""
    if isinstance(table.get("git"), str):
        ref = next((str(table[k]) for k in ("rev", "tag", "branch") if isinstance(table.get(k), str)), "")
        return f"{head} @ git+{table['git']}{'@' + ref if ref else ''}{where}"
    if isinstance(table.get("url"), str):
        return f"{head} @ {table['url']}{where}"
    version = table.get("version")
    specifiers = _specifiers(version) if isinstance(version, str) else []
    return f"{head}{','.join(op + v for op, v in specifiers)}{where}"


def _specifiers(constraint: str) -> list[tuple[str, str]]:
    """Poetry's constraint as PEP 440 (operator, version) pairs; empty for any version or a union."""
    text = OPERATOR_SPACE.sub(r"\1", constraint.strip())
    if not text or text == "*" or "||" in text or "|" in text:
        return []
    pairs: list[tuple[str, str]] = []
    for part in (p for p in re.split(r"[,\s]+", text) if p):
        if part.startswith("^"):
            pairs += _bounded(part[1:], caret=True)
        elif part.startswith("~") and not part.startswith("~="):
            pairs += _bounded(part[1:], caret=False)
        elif part[0] in "<>=!~":
            op = re.match(r"[<>=!~]+", part)
            pairs.append((op.group(0) if op else "", part[len(op.group(0)) if op else 0 :]))
        elif part != "*":
            pairs.append(("==", part))
    return pairs


def _bounded(version: str, *, caret: bool) -> list[tuple[str, str]]:
    """`^v` / `~v`: at least v, below the next release that may break (Poetry's rule)."""
    try:
        release = list(Version(version).release)
    except InvalidVersion:
        return [(">=", version)]
    given = len([p for p in version.split(".") if p])  # `^1.2` bumps within two components
    release = (release + [0] * given)[:given]
    if caret:
        bump = next((i for i, part in enumerate(release) if part != 0), given - 1)
    else:
        bump = 1 if given >= 2 else 0  # noqa: PLR2004 - ~1.2 and ~1.2.3 bump the minor, ~1 the major
    upper = [*release[:bump], release[bump] + 1]
    upper += [0] * (max(given, 2) - len(upper))
    return [(">=", version), ("<", ".".join(str(p) for p in upper))]


POETRY_LOCK = "poetry.lock"


def poetry_lock_pins(root: Path) -> tuple[str, ...]:
    """`name==version` of every package root/poetry.lock pins, as pip constraints.

    The lock is what the project's own CI tests against (rich's tests expect the colours of the
    Pygments its lock pins; the newest one highlights `iter` otherwise). A name locked at two
    versions (one per Python range) is left to pip: one constraint per name is all pip takes.
    """
    document = toml_document(root / POETRY_LOCK)
    versions: dict[str, set[str]] = {}
    for package in cast("list[object]", document.get("package") or []):
        entry = toml_table(package)
        name, version = entry.get("name"), entry.get("version")
        source = toml_table(entry.get("source")).get("type")
        if isinstance(name, str) and isinstance(version, str) and source in {None, "legacy"}:
            versions.setdefault(name, set()).add(version)
    return tuple(
        f"{name}=={next(iter(found))}" for name, found in sorted(versions.items()) if len(found) == 1
    )
