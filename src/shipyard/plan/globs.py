"""Glob patterns over slash-separated relative paths, with `**` spanning directories.

A pattern with no slash matches a file's name at any depth (as in .gitignore); a pattern with a
slash matches the whole relative path.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches(path: str, pattern: str) -> bool:
    """Whether the relative path `path` matches `pattern`."""
    if "/" not in pattern:
        return bool(_compile(pattern).match(path.rsplit("/", 1)[-1]))
    return bool(_compile(pattern).match(path))


def matches_any(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether `path` matches at least one of `patterns`."""
    return any(matches(path, pattern) for pattern in patterns)


def matches_whole(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether `path` matches one of `patterns` as a whole path (a pattern without a slash too)."""
    return any(_compile(pattern).match(path) for pattern in patterns)
