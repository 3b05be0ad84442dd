"""The environment variables a project's tests read, found with `ast` (the tests are never imported).

A read is `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")` (also through `from os import
environ, getenv`), in the tests directory or any conftest.py. A variable the tests give themselves
(`monkeypatch.setenv("X", ...)`, `os.environ["X"] = ...`, `os.environ.setdefault("X", ...)`) in the
module that reads it, or in any conftest.py (whose fixtures reach every test below it), is no read:
the environment need not provide it.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

_SETTERS = frozenset({"setenv", "setdefault", "putenv"})


def _is_environ(node: ast.expr) -> bool:
    """`os.environ` or a bare `environ`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _is_getenv(node: ast.expr) -> bool:
    """`os.getenv` or a bare `getenv`."""
    if isinstance(node, ast.Attribute):
        return node.attr == "getenv" and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "getenv"


def _name(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call(node: ast.Call) -> tuple[str | None, bool]:
    """(the variable a call names, whether it sets it rather than reads it)."""
    function = node.func
    first = _name(node.args[0]) if node.args else None
    if _is_getenv(function):
        return first, False
    if isinstance(function, ast.Attribute):
        if function.attr == "get" and _is_environ(function.value):
            return first, False
        if function.attr in _SETTERS:
            return first, True
    return None, False


def reads_in(source: str) -> tuple[set[str], set[str]]:
    """(variables read, variables set) by one module's source; a module that does not parse has none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set(), set()
    read: set[str] = set()
    given: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            name = _name(node.slice)
            if name is not None:
                (given if isinstance(node.ctx, ast.Store | ast.Del) else read).add(name)
        elif isinstance(node, ast.Call):
            name, sets = _call(node)
            if name is not None:
                (given if sets else read).add(name)
    return read, given


def _test_modules(root: Path, tests_dir: str | None, skipped: frozenset[str]) -> list[Path]:
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        here = Path(directory)
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        inside = tests_dir is not None and (here == root / tests_dir or (root / tests_dir) in here.parents)
        found += [here / f for f in sorted(files) if f.endswith(".py") and (inside or f == "conftest.py")]
    return found


def env_reads_of_tests(root: Path, tests_dir: str | None, skipped: frozenset[str]) -> tuple[str, ...]:
    """The variables the tests read and do not set themselves, sorted."""
    read: set[str] = set()
    given_by_conftest: set[str] = set()
    for module in _test_modules(root, tests_dir, skipped):
        module_read, module_given = reads_in(module.read_text(encoding="utf-8", errors="replace"))
        read |= module_read - module_given
        if module.name == "conftest.py":
            given_by_conftest |= module_given
    return tuple(sorted(read - given_by_conftest))
