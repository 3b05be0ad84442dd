"""Tag validity and which concrete tags the `immutable` rules protect."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from shipyard.errors import PublishError
from shipyard.publish.tag_rules import SHORT_SHA, branch_tag, parse_ref, parse_release

if TYPE_CHECKING:
    from collections.abc import Iterable

    from shipyard.config.models import TagRule

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def invalid_tags(tags: Iterable[str]) -> list[str]:
    """The tags an OCI registry would refuse."""
    return [tag for tag in tags if not _TAG.match(tag)]


def immutable_tags(
    *, tags: Iterable[str], sha: str | None, ref: str | None, rules: Iterable[TagRule]
) -> tuple[str, ...]:
    """The tags among `tags` that must not exist before publishing, by the rule that made each.

    - `sha`: the `sha-<7 hex>` tag of this commit.
    - `semver`: the full version only (`1.2.3`, `1.3.0-rc.1`); `1.2` and `1` follow the newest
      patch release, so they move by design.
    - `branch` and `latest` are protected only when configured so (they then never move).
    """
    wanted = set(rules)
    concrete: set[str] = set()
    if sha and "sha" in wanted:
        concrete.add(f"sha-{sha[:SHORT_SHA]}")
    try:
        git_ref = parse_ref(ref)
    except PublishError:
        git_ref = None  # publish then pushes the sha tag only (see session.publish_tags)
    if git_ref is not None and git_ref.kind == "tag" and "semver" in wanted:
        release = parse_release(git_ref.name)
        if release is not None:
            concrete.add(release.version)
    if git_ref is not None and git_ref.kind == "branch" and "branch" in wanted:
        concrete.add(branch_tag(git_ref.name))
    if "latest" in wanted:
        concrete.add("latest")
    return tuple(tag for tag in tags if tag in concrete)
