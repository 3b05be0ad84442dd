from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from shipyard.config.load import load_project
from shipyard.errors import ConfigError
from shipyard.gitinfo import NO_GIT
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.stages.spec import PublishStep

if TYPE_CHECKING:
    from collections.abc import Callable

    from shipyard.config.models import Tier

EXAMPLES = Path(__file__).parents[3] / "examples"
TESTS = ["test-3.10", "test-3.11", "test-3.12", "test-3.13"]
SCANS = ["scan-history", "scan-source", "scan-image"]
SMOKES = ["package-smoke-3.10", "package-smoke-3.11", "package-smoke-3.12", "package-smoke-3.13"]
PACKAGE = ["package", *SMOKES]


def ctx(host: str = "linux/amd64") -> PlanContext:
    return PlanContext(git=NO_GIT, today=dt.date(2026, 11, 22), host_platform=host, tags=("sha-0000000",))


WEBAPP = load_project(EXAMPLES / "webapp")
LIBRARY = load_project(EXAMPLES / "library")
BROKEN = load_project(EXAMPLES / "broken")


@pytest.mark.parametrize(
    ("tier", "host", "expected"),
    [
        ("essential", "linux/amd64", ["lint", "test-3.13"]),
        ("extended", "linux/amd64", ["lint", *TESTS, *PACKAGE, "build-linux-amd64", "sbom", *SCANS]),
        ("extended", "linux/arm64", ["lint", *TESTS, *PACKAGE, "build-linux-arm64", "sbom", *SCANS]),
        (
            "full",
            "linux/amd64",
            [
                "lint",
                *TESTS,
                *PACKAGE,
                "build-linux-amd64",
                "build-linux-arm64",
                "sbom",
                *SCANS,
                "compose",
                "publish",
            ],
        ),
        (
            "full",
            "linux/arm64",
            [
                "lint",
                *TESTS,
                *PACKAGE,
                "build-linux-arm64",
                "build-linux-amd64",
                "sbom",
                *SCANS,
                "compose",
                "publish",
            ],
        ),
    ],
)
def test_tiers_select_stages_and_what_they_need(tier: Tier, host: str, expected: list[str]) -> None:
    assert list(build_plan(WEBAPP, ctx(host), tier=tier).ids) == expected


def test_without_a_tier_the_projects_tier_is_used() -> None:
    assert build_plan(LIBRARY, ctx()).ids == build_plan(LIBRARY, ctx(), tier="extended").ids


def test_essential_tests_on_the_newest_python_of_the_matrix() -> None:
    assert build_plan(BROKEN, ctx(), tier="essential").ids == ("lint", "test-3.12")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("lint",), {"lint"}),
        (("test",), set(TESTS)),
        (("test-3.11",), {"test-3.11"}),
        (("sbom",), {"sbom", "build-linux-amd64"}),
        (("scan",), {*SCANS, "build-linux-amd64"}),
        (("scan-image",), {"scan-image", "build-linux-amd64"}),
        (("build",), {"build-linux-amd64", "build-linux-arm64"}),
        (("compose",), {"compose", "build-linux-amd64"}),
        (("lint", "sbom"), {"lint", "sbom", "build-linux-amd64"}),
    ],
)
def test_naming_stages_or_groups_pulls_in_their_dependencies(
    names: tuple[str, ...], expected: set[str]
) -> None:
    plan = build_plan(WEBAPP, ctx(), names=names)
    assert set(plan.ids) == expected
    for index, stage in enumerate(plan.stages):
        assert set(stage.needs) <= set(plan.ids[:index]), f"{stage.id} comes before what it needs"


@pytest.mark.parametrize(
    ("tier", "names", "pythons", "expected_tests"),
    [
        ("extended", (), ("3.11",), ["test-3.11"]),
        ("extended", (), ("3.13", "3.10"), ["test-3.10", "test-3.13"]),
        ("essential", (), ("3.10",), ["test-3.10"]),
        (None, ("test",), ("3.12",), ["test-3.12"]),
        (None, ("lint",), ("3.12",), []),  # --python narrows the tests; it adds none to a lint run
    ],
)
def test_python_filter_keeps_only_those_test_legs(
    tier: Tier | None, names: tuple[str, ...], pythons: tuple[str, ...], expected_tests: list[str]
) -> None:
    plan = build_plan(WEBAPP, ctx(), tier=tier, names=names, pythons=pythons)
    assert [s.id for s in plan.stages if s.group == "test"] == expected_tests
    assert ("lint" in plan.ids) is (tier is not None or "lint" in names)


def test_a_python_outside_the_matrix_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"Python 3\.13 is not in this project's matrix \(3\.11, 3\.12\)"):
        build_plan(BROKEN, ctx(), pythons=("3.13",))


def test_an_unknown_stage_is_an_error_listing_the_known_names() -> None:
    with pytest.raises(ConfigError) as caught:
        build_plan(WEBAPP, ctx(), names=("lnt",))
    assert caught.value.message == "unknown stage 'lnt'"
    fix = caught.value.fix or ""
    for known in ("lint", "test", "build", "sbom", "scan", "compose", "publish", "test-3.12", "scan-image"):
        assert known in fix.split(": ", 1)[1].split(", ")


def test_platform_filter_replaces_the_tiers_builds() -> None:
    plan = build_plan(WEBAPP, ctx(), tier="extended", platforms=("linux/arm64",))
    # sbom and scan-image still need the host's build; arm64 is added as asked
    assert {s.id for s in plan.stages if s.group == "build"} == {"build-linux-amd64", "build-linux-arm64"}


def test_layers_are_waves_that_need_only_earlier_waves() -> None:
    plan = build_plan(WEBAPP, ctx(), tier="full")
    waves = plan.layers()
    assert waves == (
        ("lint", *TESTS, "package", "build-linux-amd64", "build-linux-arm64", "scan-history", "scan-source"),
        (*SMOKES, "sbom", "scan-image", "compose"),
        ("publish",),
    )
    assert sorted(s for w in waves for s in w) == sorted(plan.ids)


def test_an_empty_plan_has_no_waves() -> None:
    assert build_plan(WEBAPP, ctx(), names=("lint",)).without(["lint"]).layers() == ()


@pytest.mark.parametrize(
    ("skip", "dropped"),
    [
        (["build"], {"build-linux-amd64", "build-linux-arm64", "sbom", "scan-image", "compose", "publish"}),
        (["build-linux-arm64"], {"build-linux-arm64", "publish"}),
        (["lint"], {"lint", "publish"}),
        (["scan"], {*SCANS, "publish"}),
        (["publish"], {"publish"}),
    ],
)
def test_without_drops_the_named_stages_and_their_dependents(skip: list[str], dropped: set[str]) -> None:
    plan = build_plan(WEBAPP, ctx(), tier="full")
    assert set(plan.ids) - set(plan.without(skip).ids) == dropped


def test_skipping_a_name_that_is_no_stage_is_an_error() -> None:
    with pytest.raises(ConfigError, match="--skip 'scna' names no stage"):
        build_plan(WEBAPP, ctx(), tier="full").without(["scna"])


def test_publish_alone_still_needs_every_gate_of_the_full_pipeline() -> None:
    plan = build_plan(WEBAPP, ctx(), names=("publish",))
    publish = plan.get("publish")
    assert {"lint", "test-3.10", "test-3.13", "scan-source", "sbom", "compose"} <= set(publish.needs)


def test_publish_needs_every_other_selected_stage() -> None:
    plan = build_plan(WEBAPP, ctx(), tier="full")
    publish = plan.get("publish")
    assert plan.ids[-1] == "publish"
    assert set(publish.needs) == set(plan.ids) - {"publish"}
    assert isinstance(publish.action, PublishStep)
    assert publish.action.images_from == ("build-linux-amd64", "build-linux-arm64")
    assert publish.action.tags == ("sha-0000000",)


def test_the_library_has_no_image_stages() -> None:
    plan = build_plan(LIBRARY, ctx(), tier="full")
    not_applicable = {s.id: s.not_applicable for s in plan.stages if s.not_applicable}
    assert not_applicable == {
        "build-linux-amd64": "no Dockerfile",
        "build-linux-arm64": "no Dockerfile",
        "sbom": "no Dockerfile",
        "scan-image": "no Dockerfile",
        "compose": "no compose.yaml",
        "publish": "no Dockerfile",
        "scan-history": "not in a git repository (gitleaks scans a repository's history)",
    }
    assert plan.get("compose").needs == ()


def test_scan_history_applies_at_a_git_repository_root(
    copy_example: Callable[[str], Path], git_init: Callable[[Path, str], str]
) -> None:
    root = copy_example("library")
    assert build_plan(load_project(root), ctx(), names=("scan-history",)).stages[0].not_applicable
    git_init(root, "main")
    assert build_plan(load_project(root), ctx(), names=("scan-history",)).stages[0].not_applicable is None


def test_plan_get_unknown_raises_key_error() -> None:
    with pytest.raises(KeyError):
        build_plan(WEBAPP, ctx(), names=("lint",)).get("sbom")


@pytest.mark.parametrize("name", ["ful", "", "Full", "all"])
def test_an_unknown_tier_is_an_error_naming_the_tiers(name: str) -> None:
    with pytest.raises(ConfigError, match=r"unknown tier .*use one of: essential, extended, full"):
        build_plan(WEBAPP, ctx(), tier=cast("Tier", name))
