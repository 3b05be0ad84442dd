"""The part of a Markdown file ruff's formatter can read: from the first fence on, numbered."""

from __future__ import annotations

import pytest

from shipyard.plan.fenced import NO_CODE, fenced_hash, fenced_view

BLOCK = "# Title\n\nProse.\n\n```python\nx = 1\n```\n\nMore prose.\n"


def test_prose_before_the_first_fence_counts_only_by_its_lines() -> None:
    assert fenced_hash(BLOCK.encode()) == fenced_hash(BLOCK.replace("Prose.", "Other words.").encode())
    assert fenced_hash(BLOCK.encode()) != fenced_hash(("\n" + BLOCK).encode())


@pytest.mark.parametrize(
    "edit",
    [
        ("x = 1", "x=1"),  # the code
        ("```python", "```py"),  # the fence's info string
        ("More prose.", "More prose, edited."),  # after the first fence: kept whatever it is
        ("\n\nMore", "\n~~~\nMore"),  # a new fence
    ],
)
def test_everything_from_the_first_fence_on_counts(edit: tuple[str, str]) -> None:
    assert fenced_hash(BLOCK.encode()) != fenced_hash(BLOCK.replace(*edit).encode())


def test_a_document_without_a_fence_is_not_read() -> None:
    assert fenced_view("# Notes\n\nJust words.\n") == []
    assert fenced_hash(b"# Notes\n") == NO_CODE


def test_carriage_returns_before_the_first_fence_count() -> None:
    assert fenced_hash(b"# Notes\r\n") != NO_CODE
    assert fenced_hash(BLOCK.encode()) != fenced_hash(BLOCK.replace("Prose.\n", "Prose.\r\n").encode())


def test_a_fence_marker_anywhere_in_a_line_starts_the_view() -> None:
    assert fenced_view("a\n> ```python\nx\n")[0] == "before:1:lf"
    assert fenced_view("a\n> ```python\nx\n")[1:] == ["2:> ```python\n", "3:x\n"]


def test_not_utf8_has_no_view() -> None:
    assert fenced_hash(b"\xff\xfe") is None
