"""A Markdown file as ruff's formatter reads it: from its first code fence on, line by line.

ruff (0.16 and later) formats the Python code blocks of `*.md` files and reads nothing else of
them (`ruff check` does not lint them). A code block starts at a fence (a line with ``` or ~~~),
so the lint stage's digest takes a Markdown file by this view: every line from the first line
that holds a fence marker to the end, each with its line number (a finding names the line).
What comes before it counts only by how many lines it has (and whether one ends in CR LF). So a
document without a fence (and without CR LF) is not read at all: adding or editing one never
re-runs lint. Nothing a formatter of code blocks could see is left out: however the fences pair
up, every block lies after the first one. A file that is not UTF-8 has no view (ruff fails to
read it): it counts by its bytes.
"""

from __future__ import annotations

import hashlib

FENCES = ("```", "~~~")
_KEY = "\0fenced code"
NO_CODE = ""
"""The view's hash of a file without a fence: a code-block formatter reads nothing of it."""


def fenced(path: str) -> str:
    """The key under which `plan.sources.hash_files` records a Markdown file's view hash."""
    return path + _KEY


def fenced_view(text: str) -> list[str]:
    """The numbered lines of `text` from the first one holding a fence marker; none without one.

    Lines keep their endings, and whether the lines before hold a carriage return is kept too (a
    formatter told `line-ending = "lf"` rewrites those).
    """
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if any(m in line for m in FENCES)), len(lines))
    carriage = any("\r" in line for line in lines[:first])
    if first == len(lines) and not carriage:
        return []
    before = f"before:{first}:{'cr' if carriage else 'lf'}"
    return [before, *(f"{n}:{line}" for n, line in enumerate(lines[first:], start=first + 1))]


def fenced_hash(data: bytes) -> str | None:
    """The hash of the view of a Markdown file's bytes; NO_CODE without a fence; None if not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    view = fenced_view(text)
    return hashlib.sha256("\n".join(view).encode()).hexdigest() if view else NO_CODE
