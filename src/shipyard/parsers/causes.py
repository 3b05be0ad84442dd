"""The first error that explains why a command exited, found in its output.

Tools bury their cause: pytest prints a collection error above its summary, pip and uv wrap a
build backend's traceback in their own framing, buildx ends with the solver's message and compose
with the daemon's. `find_cause` reads a command's whole output and returns the one line a summary
should quote, or None when nothing in it looks like a cause (the caller then quotes the last line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Callable

CauseKind = Literal["missing-image", "pytest", "traceback", "resolver", "build", "compose", "buildx", "error"]
MAX_CHARS = 400
"""A cause longer than this is cut (a summary is one line)."""


@dataclass(frozen=True)
class Cause:
    """One line that explains a failed command."""

    kind: CauseKind
    """Which tool's message it is: a missing image, pytest, a traceback, a resolver, a build..."""
    text: str
    """The cause, one line, tool framing (`ERROR:`, the box drawing, `cause:`) removed."""
    image: str | None = None
    """For `missing-image`: the image reference that is neither local nor pullable."""


_FRAME = re.compile(r"^[\s\u00d7\u2502\u251c\u2570\u2500\u25b6>|]*")
"""Leading indentation and the box drawing uv and pip frame messages with (U+00D7, U+2502...)."""
_EXCEPTION = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Failure)(?::\s.*)?$")
_TRACEBACK_FRAME = re.compile(r'^\s*File "[^"]*", line \d+')
_MISSING_IMAGE = (
    re.compile(
        r"failed to resolve source metadata for (?:docker\.io/(?:library/)?)?(?P<image>\S+?)(?::\s|$)"
    ),
    re.compile(r'failed to resolve reference "(?:docker\.io/(?:library/)?)?(?P<image>[^"]+)"'),
    re.compile(r"No such image: (?P<image>\S+)"),
    re.compile(r"pull access denied for (?P<image>[^\s,]+)"),
)


def _text_of(line: str) -> str:
    return _FRAME.sub("", line).strip()


def _indent(line: str) -> int:
    return len(_FRAME.match(line).group(0))  # type: ignore[union-attr]  # the pattern always matches


def _joined(lines: list[str], start: int) -> str:
    """Line `start` and the wrapped lines that continue it (same indentation, up to a blank line)."""
    parts = [_text_of(lines[start])]
    column = _indent(lines[start])
    for line in lines[start + 1 :]:
        if not line.strip() or _indent(line) != column or _FRAME.match(line).group(0).strip():  # type: ignore[union-attr]
            break
        parts.append(line.strip())
    return " ".join(parts)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "\u2026"


def _missing_image(lines: list[str]) -> Cause | None:
    for line in lines:
        for pattern in _MISSING_IMAGE:
            found = pattern.search(line)
            if found:
                image = found.group("image")
                text = f"image {image} is not on the engine and cannot be pulled"
                return Cause("missing-image", text, image)
    return None


def _first_e_line(lines: list[str], start: int) -> str | None:
    for line in lines[start:]:
        if line.startswith("E   "):
            return line[1:].strip()
        if line.startswith(("____", "====")):
            return None
    return None


def _pytest(lines: list[str]) -> Cause | None:
    for index, line in enumerate(lines):
        conftest = re.match(r"^ImportError while loading conftest '(?P<path>[^']+)'", line)
        collecting = re.search(r"_ ERROR collecting (?P<path>\S+) _", line)
        if conftest or collecting:
            found = conftest or collecting
            assert found is not None  # noqa: S101 - one of the two matched
            what = "loading conftest" if conftest else "collecting"
            error = _first_e_line(lines, index + 1)
            return Cause("pytest", f"error {what} {found.group('path')}" + (f": {error}" if error else ""))
        usage = re.match(r"^(?:.*\bpytest): error: (?P<why>.+)$", _text_of(line))
        if usage:
            return Cause("pytest", f"pytest: {usage.group('why')}")
    return None


def _traceback(lines: list[str]) -> Cause | None:
    """The exception line ending the last traceback in the output."""
    found: Cause | None = None
    in_traceback = False
    for index, line in enumerate(lines):
        text = _text_of(line)
        if text.startswith("Traceback (most recent call last)") or _TRACEBACK_FRAME.match(line):
            in_traceback = True
        elif in_traceback and _EXCEPTION.match(text):
            found = Cause("traceback", _joined(lines, index))
            in_traceback = False
    return found


def _resolver(lines: list[str]) -> Cause | None:
    for index, line in enumerate(lines):
        text = _text_of(line)
        if text.lower().startswith(("error: no solution found", "no solution found")):
            head = text.removeprefix("error: ").rstrip(":")
            follow = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if follow is None:
                return Cause("resolver", head)
            reason = _joined(lines, follow).removeprefix("cause: ")
            return Cause("resolver", f"{head}: {reason}")
        pip = re.match(r"^ERROR: (?P<why>(?:Cannot install|No matching distribution found for) .+)$", text)
        if pip:
            return Cause("resolver", pip.group("why"))
    return None


_NO_COMPILER = (
    re.compile(r"No such file or directory: '(?P<tool>(?:[\w.-]+-)?(?:gcc|cc|g\+\+|c\+\+|clang))'"),
    re.compile(r"command '(?P<tool>[\w./+-]*(?:gcc|cc|g\+\+|c\+\+|clang))' failed"),
    re.compile(r"unable to execute '(?P<tool>[\w./+-]+)': No such file or directory"),
    re.compile(r"(?P<tool>can't find Rust compiler|cargo: (?:command )?not found)"),
)
"""A build backend that found no compiler: setuptools' spawn (`[Errno 2] ... 'gcc'`, `command 'gcc'
failed`, `unable to execute`), setuptools-rust and maturin (no Rust)."""
_BUILDING = re.compile(
    r"(?:Failed to build|Building wheel for|Building) `?(?P<package>[A-Za-z0-9][\w.-]*?)"
    r"(?:==[^\s`]+)?`?(?:\s|$)"
)
"""pip's `Building wheel for librt (pyproject.toml)` and uv's `Building librt==0.6.3`."""


def _compiler(lines: list[str]) -> Cause | None:
    """A package that had to be built from source where the image has no compiler to build it."""
    for index, line in enumerate(lines):
        for pattern in _NO_COMPILER:
            found = pattern.search(line)
            if found is None:
                continue
            package = next(
                (
                    m.group("package")
                    for earlier in reversed(lines[:index])
                    if (m := _BUILDING.search(_text_of(earlier)))
                ),
                None,
            )
            built = f"building {package}" if package else "a build"
            tool = found.group("tool")
            missing = tool if " " in tool else f"no {tool}"
            return Cause(
                "build",
                f"{built} needs a compiler the image lacks ({missing}): it has no wheel for this Python "
                "or platform (fix: a release of it with a wheel for this Python, or leave this Python "
                "out with [tool.shipyard] python)",
            )
    return None


def _build(lines: list[str]) -> Cause | None:
    for line in lines:
        text = _text_of(line).removeprefix("error: ")
        if text.startswith("Failed to build"):
            return Cause("build", text.replace("Failed to build: ", "Failed to build "))
    return None


def _compose(lines: list[str]) -> Cause | None:
    for line in lines:
        text = _text_of(line)
        if "required variable" in text and "missing a value" in text:
            return Cause("compose", text[text.index("required variable") :])
        if text.startswith(("service ", "Error response from daemon: ")):
            return Cause("compose", text)
    return None


def _buildx(lines: list[str]) -> Cause | None:
    for index, line in enumerate(lines):
        if line.startswith("ERROR: failed to solve: "):
            text = line.removeprefix("ERROR: failed to solve: ").strip()
            said = _step_output(lines[:index])
            return Cause("buildx", f"{text}; it printed: {said}" if said else text)
    return None


def _step_output(lines: list[str]) -> str | None:
    """The last line the failed build step printed (buildx repeats it between `------` rules)."""
    rules = [i for i, line in enumerate(lines) if line.strip() == "------"]
    if len(rules) < 2:  # noqa: PLR2004 - an opening and a closing rule
        return None
    block = [line.strip() for line in lines[rules[-2] + 1 : rules[-1]] if line.strip()]
    printed = [re.sub(r"^\d+\.\d+ ", "", line) for line in block if not line.startswith(">")]
    return printed[-1] if printed else None


_HINTS = ("hint:", "help:", "note:", "warning:")


def _error_line(lines: list[str]) -> Cause | None:
    for line in lines:
        text = _text_of(line)
        lowered = text.lower()
        if lowered.startswith(_HINTS):
            continue
        if lowered.startswith(("error:", "fatal:")) and len(text) > len("error: "):
            return Cause("error", text.split(":", 1)[1].strip())
    return None


_FINDERS: tuple[Callable[[list[str]], Cause | None], ...] = (
    _missing_image,
    _pytest,
    _compiler,
    _traceback,
    _resolver,
    _build,
    _compose,
    _buildx,
    _error_line,
)
"""Most specific first: a traceback explains a `Failed to build`, a collection error its summary,
and a missing compiler the traceback of the build it stopped."""


def find_cause(output: str) -> Cause | None:
    """The first error in `output` that explains the exit, or None when none is recognisable."""
    lines = [line.rstrip() for line in output.splitlines()]
    for finder in _FINDERS:
        found = finder(lines)
        if found is not None and found.text:
            return Cause(found.kind, _cut(found.text), found.image)
    return None
