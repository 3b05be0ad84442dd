"""The cause extractor on real output of pytest, pip, uv, compose and buildx (fixtures/tools/causes)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from shipyard.parsers.causes import MAX_CHARS, find_cause

CAUSES = Path(__file__).parents[2] / "fixtures" / "tools" / "causes"
SCM = "LookupError: setuptools-scm was unable to detect version for /tmp/cx/scm."
PYDANTIC = "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings"
NO_WHEEL = (
    "it has no wheel for this Python or platform (fix: a release of it with a wheel for this Python, "
    "or leave this Python out with [tool.shipyard] python)"
)


@pytest.mark.parametrize(
    ("fixture", "kind", "text"),
    [
        (
            "pytest-conftest-error.txt",
            "pytest",
            f"error loading conftest /tmp/cx/conftest_err/tests/conftest.py: {PYDANTIC}",
        ),
        ("pytest-collection-error.txt", "pytest", f"error collecting test_settings.py: {PYDANTIC}"),
        ("pytest-usage-error.txt", "pytest", "pytest: unrecognized arguments: --frobnicate"),
        ("pip-setuptools-scm.txt", "traceback", SCM),
        ("uv-pip-setuptools-scm.txt", "traceback", SCM),
        ("uv-sync-setuptools-scm.txt", "traceback", SCM),
        ("uv-0.4-pip-setuptools-scm.txt", "traceback", SCM),
        ("uv-0.11-sync-setuptools-scm.txt", "traceback", SCM),  # wrapped at 80 columns, joined again
        (
            "uv-pip-no-such-package.txt",
            "resolver",
            (
                "No solution found when resolving dependencies: Because shipyard-no-such-package-xyz was not "
                "found in the package registry and you require shipyard-no-such-package-xyz==1.0, we can "
                "conclude that your requirements are unsatisfiable."
            ),
        ),
        (
            "uv-lock-no-solution.txt",
            "resolver",
            (
                "No solution found when resolving dependencies: Because pydantic==2.5.0 depends on "
                "pydantic-core==2.14.1 and your project depends on pydantic==2.5.0, we can conclude that "
                "your project depends on pydantic-core==2.14.1."
            ),
        ),
        (
            "pip-no-such-package.txt",
            "resolver",
            "No matching distribution found for shipyard-no-such-package-xyz==1.0",
        ),
        (
            "pip-resolution-impossible.txt",
            "resolver",
            (
                "Cannot install pydantic-core==2.27.0 and pydantic==2.5.0 because these package versions "
                "have conflicting dependencies."
            ),
        ),
        (
            "compose-config-required-variable.txt",
            "compose",
            "required variable POSTGRES_PASSWORD is missing a value",
        ),
        (
            "compose-config-undefined-service.txt",
            "compose",
            'service "web" depends on undefined service "db": invalid compose project',
        ),
        (
            "pip-build-no-compiler.txt",
            "build",
            f"building librt needs a compiler the image lacks (no x86_64-linux-gnu-gcc): {NO_WHEEL}",
        ),
        (
            "uv-pip-build-no-compiler.txt",
            "build",
            f"building librt needs a compiler the image lacks (no gcc): {NO_WHEEL}",
        ),
        (
            "buildx-run-failed.txt",
            "buildx",
            (
                'process "/bin/sh -c echo \\"installing\\" && ls /nonexistent-dir && echo never" did not '
                "complete successfully: exit code: 2; it printed: ls: cannot access '/nonexistent-dir': No "
                "such file or directory"
            ),
        ),
    ],
)
def test_the_cause_is_found_in_real_output(fixture: str, kind: str, text: str) -> None:
    cause = find_cause((CAUSES / fixture).read_text(encoding="utf-8"))
    assert cause is not None
    assert (cause.kind, cause.text) == (kind, text)


def test_the_uv_04_resolver_message_is_joined_across_its_wrapped_lines() -> None:
    cause = find_cause((CAUSES / "uv-0.4-lock-no-solution.txt").read_text(encoding="utf-8"))
    assert cause is not None
    assert cause.text.startswith("No solution found when resolving dependencies: Because pydantic==2.5.0 ")
    assert cause.text.endswith("we can conclude that your project's requirements are unsatisfiable.")
    assert "\u2570" not in cause.text
    assert "  " not in cause.text


@pytest.mark.parametrize(
    ("fixture", "image"),
    [
        ("buildx-base-image-missing.txt", "shipyard-missing-base/python:3.12-slim"),
        ("compose-up-image-missing.txt", "shipyard-no-such-image/redis:7"),
        ("compose-up-pull-failed.txt", "shipyard-no-such-image/redis:7"),
    ],
)
def test_an_image_neither_local_nor_pullable_is_named(fixture: str, image: str) -> None:
    cause = find_cause((CAUSES / fixture).read_text(encoding="utf-8"))
    assert cause is not None
    assert (cause.kind, cause.image) == ("missing-image", image)


def test_a_hint_is_never_the_cause() -> None:
    text = "Resolved 3 packages\nhint: run `uv lock`\nerror: the lockfile is broken\n"
    cause = find_cause(text)
    assert cause is not None
    assert cause.text == "the lockfile is broken"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n   \n",
        "collected 3 items\n\n... 3 passed in 0.01s\n",
        "\x00\x1b[31m\ufffd\ufffd garbage \x7f\n" * 3,
        random.Random(15).randbytes(512).decode("latin-1"),  # noqa: S311 - fixed garbage, not a secret
        "error:",
    ],
    ids=["empty", "blank", "no-error", "control-garbage", "random-bytes", "bare-error-prefix"],
)
def test_output_without_a_recognisable_cause_gives_none(text: str) -> None:
    assert find_cause(text) is None


def test_a_truncated_traceback_without_its_exception_gives_none() -> None:
    text = (CAUSES / "pip-setuptools-scm.txt").read_text(encoding="utf-8")
    head = text[: text.index("LookupError: setuptools-scm")]
    cause = find_cause(head)
    assert cause is None or "LookupError: setuptools-scm" not in cause.text


def test_a_very_long_cause_is_cut_to_one_summary_line() -> None:
    frames = 'Traceback (most recent call last):\n  File "x.py", line 1\n'
    cause = find_cause(frames + "ValueError: " + "x" * 2000)
    assert cause is not None
    assert len(cause.text) == MAX_CHARS
    assert "\n" not in cause.text


@pytest.mark.parametrize(
    ("line", "missing"),
    [
        ("error: command 'gcc' failed: No such file or directory", "no gcc"),
        ("unable to execute 'x86_64-linux-gnu-gcc': No such file or directory", "no x86_64-linux-gnu-gcc"),
        ("error: can't find Rust compiler", "can't find Rust compiler"),
    ],
)
def test_a_missing_compiler_is_named_with_the_package_being_built(line: str, missing: str) -> None:
    output = f"Building wheel for fastthing (pyproject.toml): started\n  running build_ext\n  {line}\n"
    cause = find_cause(output)
    assert cause is not None
    assert cause.text.startswith(f"building fastthing needs a compiler the image lacks ({missing})")


def test_a_compiler_missing_from_no_named_build_still_says_a_build() -> None:
    cause = find_cause("error: [Errno 2] No such file or directory: 'cc'\n")
    assert cause is not None
    assert cause.text.startswith("a build needs a compiler the image lacks (no cc)")
