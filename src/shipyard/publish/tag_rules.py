"""Image tags from a commit and a git ref, by the rules in PublishConfig.tags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shipyard.errors import PublishError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shipyard.config.models import TagRule

RefKind = Literal["branch", "tag", "pull", "detached"]
SHORT_SHA = 7
"""Hex digits of the commit in the `sha-…` tag."""
MAX_TAG = 128
"""Longest tag an OCI registry accepts."""

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_SEMVER = re.compile(
    r"^v(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_PULL = re.compile(r"^refs/pull/(?P<number>\d+)/(?:merge|head)$")
# what `git check-ref-format` refuses: control chars, space, ~^:?*[\, "..", "@{", "//",
# a component starting with "." and a ref ending in "/", "." or ".lock"
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^/|/$|\.$|\.lock(?:/|$)|/\.")
_NOT_IN_TAG = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class GitRef:
    """A git ref, classified."""

    kind: RefKind
    """branch (refs/heads/…), tag (refs/tags/…), pull (refs/pull/N/…), or detached (HEAD / none)."""
    name: str
    """The branch or tag name without its prefix, the pull request number, or `HEAD`."""


@dataclass(frozen=True, slots=True)
class Release:
    """A semantic version read from a `v`-prefixed git tag."""

    major: int
    """Major version."""
    minor: int
    """Minor version."""
    patch: int
    """Patch version."""
    prerelease: str | None
    """The pre-release part (`rc.1`), None for a release."""
    build: str | None
    """Build metadata (`+build.5`), None when absent."""

    @property
    def version(self) -> str:
        """The full version as an image tag (`+` is not allowed in tags and becomes `_`)."""
        text = f"{self.major}.{self.minor}.{self.patch}"
        text += f"-{self.prerelease}" if self.prerelease else ""
        return text + (f"_{self.build}" if self.build else "")


def parse_ref(ref: str | None) -> GitRef:
    """Classify a fully qualified git ref (as GITHUB_REF gives it); None or `HEAD` is a detached checkout."""
    if ref is None or ref == "HEAD":
        return GitRef(kind="detached", name="HEAD")
    if (pull := _PULL.match(ref)) is not None:
        return GitRef(kind="pull", name=pull["number"])
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix) and ref != prefix and _BAD_REF.search(ref) is None:
            return GitRef(kind="branch" if kind == "branch" else "tag", name=ref.removeprefix(prefix))
    raise PublishError(
        f"{ref!r} is not a valid git ref for publishing",
        fix="pass a fully qualified ref such as refs/heads/main or refs/tags/v1.2.3 (GITHUB_REF), or HEAD",
    )


def parse_release(tag: str) -> Release | None:
    """The semantic version of a `vX.Y.Z[-pre][+build]` tag, or None for any other tag."""
    match = _SEMVER.match(tag)
    if match is None:
        return None
    return Release(
        major=int(match["major"]),
        minor=int(match["minor"]),
        patch=int(match["patch"]),
        prerelease=match["pre"],
        build=match["build"],
    )


def branch_tag(branch: str) -> str:
    """A branch name as a valid image tag: `feature/Login#2` becomes `feature-Login-2`."""
    tag = _NOT_IN_TAG.sub("-", branch).lstrip(".-")[:MAX_TAG].rstrip(".-")
    if not tag:
        raise PublishError(
            f"branch {branch!r} leaves nothing usable as an image tag",
            fix="drop the 'branch' tag rule for this branch or rename it",
        )
    return tag


def compute_tags(
    *, sha: str, ref: str | None, default_branch: str, rules: Iterable[TagRule]
) -> tuple[str, ...]:
    """The tags one publish pushes, in a stable order: sha, semver (full, minor, major), branch, latest.

    - `sha`: `sha-<7 hex>` always.
    - `semver`: for a `vX.Y.Z` tag `X.Y.Z`, `X.Y` and `X` (no `X` while X is 0: 0.x promises no
      compatibility); for a pre-release (`v1.3.0-rc.1`) only the full version.
    - `branch`: the sanitized branch name on branch builds.
    - `latest`: on the default branch, and on release (not pre-release) version tags.
    Pull requests and detached checkouts get the sha tag only.
    """
    if _SHA.match(sha) is None:
        raise PublishError(
            f"{sha!r} is not a full commit sha (40 or 64 lower-case hex digits)",
            fix="pass the full sha, e.g. from `git rev-parse HEAD` or GITHUB_SHA",
        )
    wanted = set(rules)
    git_ref = parse_ref(ref)
    release = parse_release(git_ref.name) if git_ref.kind == "tag" else None
    tags: list[str] = []
    if "sha" in wanted:
        tags.append(f"sha-{sha[:SHORT_SHA]}")
    if "semver" in wanted and release is not None:
        tags.append(release.version)
        if release.prerelease is None:
            tags.append(f"{release.major}.{release.minor}")
            if release.major > 0:
                tags.append(str(release.major))
    if "branch" in wanted and git_ref.kind == "branch":
        tags.append(branch_tag(git_ref.name))
    on_default = git_ref.kind == "branch" and git_ref.name == default_branch
    if "latest" in wanted and (on_default or (release is not None and release.prerelease is None)):
        tags.append("latest")
    return tuple(dict.fromkeys(tags))
