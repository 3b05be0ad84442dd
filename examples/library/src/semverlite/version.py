"""The Version value object."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

Part = Literal["major", "minor", "patch"]

_NUM = r"0|[1-9]\d*"
_IDENT = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(
    rf"^(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_IDENT}(?:\.{_IDENT})*))?"
    rf"(?:\+(?P<build>{_IDENT}(?:\.{_IDENT})*))?$"
)


class InvalidVersion(ValueError):
    """A string that is not a semantic version."""


@functools.total_ordering
@dataclass(frozen=True)
class Version:
    """A semantic version; ordering follows semver precedence (build metadata is ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse `text` (a leading `v` is accepted) or raise InvalidVersion."""
        match = _SEMVER.match(text.strip().removeprefix("v"))
        if match is None:
            raise InvalidVersion(f"not a semantic version: {text!r}")
        pre, build = match["pre"], match["build"]
        for ident in pre.split(".") if pre else ():
            if ident.isdigit() and ident != "0" and ident.startswith("0"):
                raise InvalidVersion(f"leading zero in a numeric pre-release identifier: {text!r}")
        return cls(
            int(match["major"]),
            int(match["minor"]),
            int(match["patch"]),
            tuple(pre.split(".")) if pre else (),
            tuple(build.split(".")) if build else (),
        )

    def bump(self, part: Part) -> Version:
        """Return the next release: pre-release and build metadata are dropped."""
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        if part == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        raise ValueError(f"part must be major, minor or patch, not {part!r}")

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def _key(self) -> tuple[int, int, int, bool, tuple[tuple[int, int | str], ...]]:
        # a release sorts after its pre-releases; numeric identifiers sort before alphanumeric ones
        pre = tuple((0, int(i)) if i.isdigit() else (1, i) for i in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text
