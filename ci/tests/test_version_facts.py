"""The caller's git facts give the core a version: a tag ref is HEAD's exact `git describe`."""

from __future__ import annotations

from shipyard_ci.session import git_facts

SHA = "a" * 40


def test_a_tag_ref_is_an_exact_describe() -> None:
    assert git_facts(SHA, "refs/tags/v1.4.0", "").describe == f"v1.4.0-0-g{SHA}"


def test_a_branch_ref_has_no_describe() -> None:
    assert git_facts(SHA, "refs/heads/main", "").describe is None
