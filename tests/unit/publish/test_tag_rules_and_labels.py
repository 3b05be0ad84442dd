from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import PublishError
from shipyard.oci.labels import oci_labels
from shipyard.publish.tag_rules import branch_tag, compute_tags, parse_ref

if TYPE_CHECKING:
    from shipyard.config.models import TagRule

SHA = "0123456789abcdef0123456789abcdef01234567"
ALL: tuple[TagRule, ...] = ("sha", "semver", "latest", "branch")
DEFAULT: tuple[TagRule, ...] = ("sha", "semver", "latest")


@pytest.mark.parametrize(
    ("ref", "rules", "expected"),
    [
        ("refs/heads/main", DEFAULT, ("sha-0123456", "latest")),
        ("refs/heads/main", ALL, ("sha-0123456", "main", "latest")),
        ("refs/heads/feature/login", DEFAULT, ("sha-0123456",)),
        ("refs/heads/feature/login", ALL, ("sha-0123456", "feature-login")),
        ("refs/tags/v1.2.3", DEFAULT, ("sha-0123456", "1.2.3", "1.2", "1", "latest")),
        ("refs/tags/v1.2.3", ("semver",), ("1.2.3", "1.2", "1")),
        ("refs/tags/v1.3.0-rc.1", ALL, ("sha-0123456", "1.3.0-rc.1")),
        ("refs/tags/v0.4.1", DEFAULT, ("sha-0123456", "0.4.1", "0.4", "latest")),
        ("refs/tags/v2.0.0+build.7", DEFAULT, ("sha-0123456", "2.0.0_build.7", "2.0", "2", "latest")),
        ("refs/tags/nightly", ALL, ("sha-0123456",)),
        ("refs/tags/1.2.3", ALL, ("sha-0123456",)),  # not v-prefixed: not a release
        ("refs/pull/42/merge", ALL, ("sha-0123456",)),
        (None, ALL, ("sha-0123456",)),
        ("HEAD", ALL, ("sha-0123456",)),
    ],
)
def test_tag_table(ref: str | None, rules: tuple[TagRule, ...], expected: tuple[str, ...]) -> None:
    assert compute_tags(sha=SHA, ref=ref, default_branch="main", rules=rules) == expected


def test_latest_follows_the_configured_default_branch() -> None:
    assert "latest" not in compute_tags(sha=SHA, ref="refs/heads/main", default_branch="trunk", rules=DEFAULT)
    assert "latest" in compute_tags(sha=SHA, ref="refs/heads/trunk", default_branch="trunk", rules=DEFAULT)


@pytest.mark.parametrize(
    "ref",
    [
        "main",
        "",
        "refs/heads/",
        "refs/heads/a..b",
        "refs/heads/x y",
        "refs/tags/v1~1",
        "refs/remotes/origin/x",
    ],
)
def test_invalid_refs_are_refused(ref: str) -> None:
    with pytest.raises(PublishError, match="is not a valid git ref for publishing"):
        parse_ref(ref)


@pytest.mark.parametrize("sha", ["0123456", SHA.upper(), SHA + "0", "g" * 40])
def test_invalid_sha_is_refused(sha: str) -> None:
    with pytest.raises(PublishError, match="is not a full commit sha"):
        compute_tags(sha=sha, ref="refs/heads/main", default_branch="main", rules=DEFAULT)


@pytest.mark.parametrize(
    ("branch", "tag"),
    [
        ("feature/Login#2", "feature-Login-2"),
        ("-dependabot/pip/x", "dependabot-pip-x"),
        ("release/1.x", "release-1.x"),
        ("a" * 200, "a" * 128),
    ],
)
def test_branch_tag_sanitizing(branch: str, tag: str) -> None:
    assert branch_tag(branch) == tag


def test_branch_with_nothing_usable_is_an_error() -> None:
    with pytest.raises(PublishError, match="leaves nothing usable"):
        branch_tag("///")


def test_oci_labels() -> None:
    created = dt.datetime(2026, 11, 22, 11, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    labels = oci_labels(
        source="https://github.com/acme/app", revision=SHA, created=created, title="app", version="1.2.3"
    )
    assert labels == {
        "org.opencontainers.image.created": "2026-11-22T10:30:05Z",
        "org.opencontainers.image.revision": SHA,
        "org.opencontainers.image.source": "https://github.com/acme/app",
        "org.opencontainers.image.title": "app",
        "org.opencontainers.image.version": "1.2.3",
    }


@pytest.mark.parametrize(
    ("source", "revision", "created", "message"),
    [
        ("https://github.com/acme/app", SHA, dt.datetime(2026, 11, 22, 10, 0), "has no timezone"),  # noqa: DTZ001
        (
            "git@github.com:acme/app.git",
            SHA,
            dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc),
            "not an http",
        ),
        (
            "https://github.com/acme/app",
            "abc",
            dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc),
            "full commit",
        ),
    ],
)
def test_oci_label_inputs_are_checked(source: str, revision: str, created: dt.datetime, message: str) -> None:
    with pytest.raises(PublishError, match=message):
        oci_labels(source=source, revision=revision, created=created, title="app")
