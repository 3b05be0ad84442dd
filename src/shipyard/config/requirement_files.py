"""A project's requirement files, and those that bring pytest (its test dependencies)."""

from __future__ import annotations

import re
from pathlib import Path

REQUIREMENT_FILES = ("requirements*.txt", "*requirements*.txt", "requirements/*.txt")
"""Where pinned development requirements usually live."""
PYTEST_LINE = re.compile(r"^\s*pytest\b(?![-\w])", re.MULTILINE)
INCLUDE_LINE = re.compile(r"^\s*-r\s*(\S+)", re.MULTILINE)


def requirement_files(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every requirement file at the usual places, those that bring pytest, `dev`/`test` first)."""
    files = list(
        dict.fromkeys(
            str(p.relative_to(root))
            for pattern in REQUIREMENT_FILES
            for p in sorted(root.glob(pattern))
            if p.is_file()
        )
    )
    files = [f for f in files if "constraint" not in f]

    def brings_pytest(relative: str, seen: frozenset[str]) -> bool:
        path = root / relative
        if not path.is_file():
            return False
        text = path.read_text(encoding="utf-8", errors="replace")
        if PYTEST_LINE.search(text):
            return True
        parent = Path(relative).parent
        return any(
            brings_pytest(str(parent / inc), seen | {relative})
            for inc in INCLUDE_LINE.findall(text)
            if str(parent / inc) not in seen
        )

    preferred = sorted(files, key=lambda f: (not re.search(r"dev|test", f), f))
    return tuple(files), tuple(f for f in preferred if brings_pytest(f, frozenset()))
