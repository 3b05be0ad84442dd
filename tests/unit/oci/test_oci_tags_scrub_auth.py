"""Tag rules → immutable concrete tags, repository names, auth challenges, scrubbing secrets."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import PublishError
from shipyard.oci.auth import Credentials, parse_challenge, push_scope
from shipyard.oci.reference import Repository, target_repository
from shipyard.oci.scrub import MASK, Scrubber
from shipyard.oci.tags import immutable_tags, invalid_tags
from shipyard.publish.tag_rules import compute_tags

if TYPE_CHECKING:
    from shipyard.config.models import TagRule

SHA = "0123456789abcdef0123456789abcdef01234567"
IMMUTABLE: tuple[TagRule, ...] = ("sha", "semver")


@pytest.mark.parametrize(
    ("ref", "rules", "expected"),
    [
        # a release: the full version is immutable, 1.2 and 1 follow the newest patch, latest moves
        ("refs/tags/v1.2.3", IMMUTABLE, ("sha-0123456", "1.2.3")),
        ("refs/tags/v1.3.0-rc.1", IMMUTABLE, ("sha-0123456", "1.3.0-rc.1")),
        ("refs/heads/main", IMMUTABLE, ("sha-0123456",)),
        ("refs/heads/feature/x", IMMUTABLE, ("sha-0123456",)),
        (None, IMMUTABLE, ("sha-0123456",)),
        ("refs/tags/v1.2.3", ("semver",), ("1.2.3",)),
        ("refs/tags/v1.2.3", (), ()),
        # protecting branch or latest is allowed (they then never move)
        ("refs/heads/main", ("branch", "latest"), ("main", "latest")),
        ("refs/tags/not..valid", IMMUTABLE, ("sha-0123456",)),
    ],
)
def test_immutable_rules_name_the_concrete_tags_of_this_publish(
    ref: str | None, rules: tuple[TagRule, ...], expected: tuple[str, ...]
) -> None:
    try:
        tags = compute_tags(
            sha=SHA, ref=ref, default_branch="main", rules=("sha", "semver", "branch", "latest")
        )
    except PublishError:
        tags = ("sha-0123456",)
    assert immutable_tags(tags=tags, sha=SHA, ref=ref, rules=rules) == expected


def test_only_tags_being_pushed_can_be_immutable() -> None:
    assert immutable_tags(tags=("latest",), sha=SHA, ref="refs/tags/v1.2.3", rules=IMMUTABLE) == ()


def test_invalid_tags_are_the_ones_a_registry_refuses() -> None:
    assert invalid_tags(["sha-0123456", "1.2.3", "latest", "_x", "a" * 128]) == []
    assert invalid_tags(["", "-x", ".x", "a/b", "a" * 129, "v1+b"]) == [
        "",
        "-x",
        ".x",
        "a/b",
        "a" * 129,
        "v1+b",
    ]


@pytest.mark.parametrize(
    ("image", "registry", "expected"),
    [
        ("ghcr.io/acme/app", "ghcr.io", "ghcr.io/acme/app"),
        ("127.0.0.1:5001/t/app", "ghcr.io", "127.0.0.1:5001/t/app"),
        ("localhost/app", "ghcr.io", "localhost/app"),
        ("acme/app", "ghcr.io", "ghcr.io/acme/app"),
        ("webapp", "registry.example.com:5000/", "registry.example.com:5000/webapp"),
    ],
)
def test_the_publish_target_is_the_image_name_when_it_names_a_host_else_under_the_registry(
    image: str, registry: str, expected: str
) -> None:
    assert target_repository(image, registry) == expected


def test_repositories_split_into_host_and_path_and_local_ones_use_http() -> None:
    local = Repository.parse("127.0.0.1:5001/shipyard-tests/webapp")
    assert (local.host, local.path, local.local) == ("127.0.0.1:5001", "shipyard-tests/webapp", True)
    assert Repository.parse("localhost:5000/a").local
    assert not Repository.parse("ghcr.io/acme/app").local
    with pytest.raises(PublishError, match="names no registry host"):
        Repository.parse("acme/app")
    with pytest.raises(PublishError, match="not a valid repository name"):
        Repository.parse("ghcr.io/Acme/App")
    with pytest.raises(PublishError, match="not a valid repository name"):
        Repository.parse("ghcr.io/acme/app:1.0")


def test_a_bearer_challenge_is_parsed_with_quoted_and_bare_values() -> None:
    challenge = parse_challenge(
        'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/app:pull"'
    )
    assert challenge.scheme == "bearer"
    assert challenge.params == {
        "realm": "https://ghcr.io/token",
        "service": "ghcr.io",
        "scope": "repository:acme/app:pull",
    }
    assert parse_challenge('Basic realm="Registry Realm"').params == {"realm": "Registry Realm"}
    assert parse_challenge("Bearer realm=https://r/t, service=r").params == {
        "realm": "https://r/t",
        "service": "r",
    }
    assert push_scope("acme/app") == "repository:acme/app:pull,push"


def test_credentials_never_show_the_password() -> None:
    creds = Credentials("me", "hunter2-secret")
    assert "hunter2" not in repr(creds)
    assert creds.basic() == "Basic " + base64.b64encode(b"me:hunter2-secret").decode()


PEM = (
    "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
    "AAAAbbbbCCCC\nddddEEEE\n"
    "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
)


def test_scrubbing_masks_passwords_their_docker_auth_form_and_each_line_of_a_key() -> None:
    scrub = Scrubber.for_registry("shipyard", "s3cret-pass", PEM, "key-pass")
    auth = base64.b64encode(b"shipyard:s3cret-pass").decode()
    text = f"login s3cret-pass\nauth {auth}\nkey line ddddEEEE\n{PEM}cosign pw key-pass, user shipyard"
    clean = scrub(text)
    for secret in ("s3cret-pass", auth, "AAAAbbbbCCCC", "ddddEEEE", "key-pass"):
        assert secret not in clean
    assert clean.count(MASK) >= 5
    assert "user shipyard" in clean  # the user name is no secret


def test_scrubbing_ignores_empty_and_tiny_values() -> None:
    assert Scrubber(["", "ab"])("a b ab abc") == "a b ab abc"
