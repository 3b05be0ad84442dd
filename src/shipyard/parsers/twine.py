"""`twine check --strict` output: each distribution's verdict and the messages twine gave for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.errors import ReportError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CHECKING = re.compile(r"^Checking (?P<path>\S+): (?P<status>PASSED|FAILED)(?P<rest>.*)$")
_MESSAGE = re.compile(r"^(?P<level>ERROR|WARNING)\s+(?P<text>.*)$")
_CONTINUED = re.compile(r"^\s{2,}(?P<text>\S.*)$")


@dataclass(frozen=True, slots=True)
class TwineFile:
    """One distribution twine checked."""

    path: str
    """The file as twine printed it."""
    passed: bool
    """Whether twine said PASSED (with --strict a warning makes it FAILED)."""
    messages: tuple[str, ...]
    """twine's ERROR and WARNING lines for it, each joined into one line (level first)."""


@dataclass(frozen=True, slots=True)
class TwineCheck:
    """A parsed `twine check` run."""

    files: tuple[TwineFile, ...]
    """Every distribution checked, in twine's order."""
    errors: tuple[str, ...]
    """Messages outside any distribution (no file matched the pattern, say)."""

    @property
    def passed(self) -> bool:
        """True when twine checked at least one file and every one passed."""
        return bool(self.files) and not self.errors and all(f.passed for f in self.files)


def _strip(text: str) -> list[str]:
    return [_ANSI.sub("", line).rstrip() for line in text.splitlines()]


def parse_twine_check(text: str, *, source: str) -> TwineCheck:
    """Read twine's output (colours and rich's line wrapping allowed); empty output checks nothing."""
    files: list[tuple[str, bool, list[str]]] = []
    errors: list[str] = []
    continuing = False
    recognised = False
    for line in _strip(text):
        messages = files[-1][2] if files else errors
        if (checking := _CHECKING.match(line)) is not None:
            files.append((checking["path"], checking["status"] == "PASSED", []))
            recognised, continuing = True, False
        elif (message := _MESSAGE.match(line)) is not None:
            messages.append(f"{message['level']}: {message['text'].strip()}")
            recognised = continuing = True
        elif continuing and (more := _CONTINUED.match(line)) is not None:
            messages[-1] += " " + more["text"].strip()
        else:
            continuing = False  # a blank line ends a message: what follows quotes the markup
    if text.strip() and not recognised:
        raise ReportError(
            f"{source} is not twine check output: {text.strip().splitlines()[0][:80]!r}",
            fix="re-run the package stage; its log has twine's output",
        )
    return TwineCheck(
        files=tuple(TwineFile(path, passed, tuple(found)) for path, passed, found in files),
        errors=tuple(errors),
    )
