"""The version git describes reaches the test legs' env, params and digests (a real git repo)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.session import Selection, open_session
from shipyard.stages.spec import ContainerStep

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import pytest

PRETEND = "SETUPTOOLS_SCM_PRETEND_VERSION"


def _leg(root: Path) -> tuple[dict[str, str], dict[str, str], str]:
    session = open_session(root, Selection(names=("test",), pythons=("3.12",)))
    stage = session.plan.get("test-3.12")
    assert isinstance(stage.action, ContainerStep)
    return dict(stage.action.env), dict(stage.params), session.digests["test-3.12"]


def test_a_tagged_checkout_gives_its_version_to_the_test_legs(
    copy_example: Callable[[str], Path],
    git: Callable[..., str],
    git_init: Callable[[Path, str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PRETEND, raising=False)
    root = copy_example("scm-version")
    git_init(root, "main")
    git(root, "tag", "v1.4.0")

    env, params, on_tag = _leg(root)
    assert env[PRETEND] == "1.4.0"
    assert params["version"] == "1.4.0"

    git(root, "commit", "--quiet", "--allow-empty", "-m", "after")
    sha = git(root, "rev-parse", "HEAD")
    env, params, after = _leg(root)
    assert env[PRETEND] == params["version"] == f"1.4.1.dev1+g{sha[:9]}"
    assert params["version_source"] == f"setuptools-scm: git describe v1.4.0-1-g{sha}"
    assert after != on_tag


def test_a_static_version_sets_nothing(
    copy_example: Callable[[str], Path], git_init: Callable[[Path, str], str]
) -> None:
    root = copy_example("library")
    git_init(root, "main")
    env, params, _ = _leg(root)
    assert PRETEND not in env
    assert "version" not in params
