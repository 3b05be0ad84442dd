import pytest

from semverlite import InvalidVersion, Version


@pytest.mark.parametrize(
    "text",
    ["0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-rc.1+build.5", "1.0.0+20130313144700"],
)
def test_round_trip(text: str) -> None:
    assert str(Version.parse(text)) == text


def test_leading_v_and_whitespace_are_accepted() -> None:
    assert Version.parse(" v2.0.1 ") == Version(2, 0, 1)


@pytest.mark.parametrize(
    "text", ["", "1", "1.2", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "a.b.c", "1.2.3.4"]
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidVersion):
        Version.parse(text)


def test_precedence_follows_the_spec() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]
    versions = [Version.parse(v) for v in ordered]
    assert sorted(reversed(versions)) == versions


def test_build_metadata_does_not_affect_precedence() -> None:
    a, b = Version.parse("1.0.0+a"), Version.parse("1.0.0+b")
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_comparison_with_other_types() -> None:
    assert Version(1, 0, 0) != "1.0.0"
    with pytest.raises(TypeError):
        _ = Version(1, 0, 0) < "1.0.0"


@pytest.mark.parametrize(
    ("part", "expected"),
    [("major", "2.0.0"), ("minor", "1.3.0"), ("patch", "1.2.4")],
)
def test_bump(part: str, expected: str) -> None:
    assert str(Version.parse("1.2.3-rc.1+b7").bump(part)) == expected  # type: ignore[arg-type]


def test_bump_rejects_unknown_part() -> None:
    with pytest.raises(ValueError, match="major, minor or patch"):
        Version(1, 0, 0).bump("build")  # type: ignore[arg-type]


def test_is_prerelease() -> None:
    assert Version.parse("1.0.0-rc.1").is_prerelease
    assert not Version.parse("1.0.0").is_prerelease
