"""`check-wheel-contents` output: each wheel OK, or its problems by code (W001 ... W202, E001 ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.errors import ReportError

_OK = re.compile(r"^(?P<wheel>\S+\.whl): OK$")
_PROBLEM = re.compile(r"^(?P<wheel>\S+\.whl): (?P<code>[WE]\d{3}): (?P<message>.*?):?$")
_ITEM = re.compile(r"^\s+(?P<item>\S.*)$")
_USAGE = re.compile(r"^Error: (?P<message>.*)$")


@dataclass(frozen=True, slots=True)
class WheelProblem:
    """One check that failed for one wheel."""

    wheel: str
    code: str
    """check-wheel-contents' code, e.g. W005 (common top-level name such as `tests`)."""
    message: str
    items: tuple[str, ...]
    """The files or folders it names."""

    def one_line(self) -> str:
        """`W005 Wheel contains common toplevel name in library: tests/`."""
        named = f": {', '.join(self.items)}" if self.items else ""
        return f"{self.code} {self.message}{named}"


@dataclass(frozen=True, slots=True)
class WheelContents:
    """A parsed check-wheel-contents run."""

    ok: tuple[str, ...]
    """Wheels that passed every check."""
    problems: tuple[WheelProblem, ...]
    usage_error: str | None = None
    """check-wheel-contents refused its arguments (no such path): nothing was checked."""

    @property
    def passed(self) -> bool:
        """True when at least one wheel was checked and none had a problem."""
        return bool(self.ok) and not self.problems and self.usage_error is None


def parse_wheel_contents(text: str, *, source: str) -> WheelContents:
    """Read check-wheel-contents' output; empty output checked nothing."""
    ok: list[str] = []
    problems: list[tuple[str, str, str, list[str]]] = []
    usage: str | None = None
    recognised = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if (passed := _OK.match(line)) is not None:
            ok.append(passed["wheel"])
            recognised = True
        elif (problem := _PROBLEM.match(line)) is not None:
            problems.append((problem["wheel"], problem["code"], problem["message"], []))
            recognised = True
        elif problems and (item := _ITEM.match(line)) is not None:
            problems[-1][3].append(item["item"])
        elif (refused := _USAGE.match(line)) is not None:
            usage, recognised = refused["message"], True
    if text.strip() and not recognised:
        raise ReportError(
            f"{source} is not check-wheel-contents output: {text.strip().splitlines()[0][:80]!r}",
            fix="re-run the package stage; its log has check-wheel-contents' output",
        )
    return WheelContents(
        ok=tuple(ok),
        problems=tuple(WheelProblem(w, c, m, tuple(i)) for w, c, m, i in problems),
        usage_error=usage,
    )
