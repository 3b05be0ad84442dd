"""Helpers for the `shipyard init` tests: run the CLI in-process and read back what it wrote."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

import pytest

from shipyard.cli.app import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture
def init(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """`init(root, *args)`: run `shipyard init --source root *args` in this process."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("GITHUB_REF", raising=False)

    def run(root: Path, *args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(["init", "--source", str(root), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _shipyard_table(root: Path) -> dict[str, Any]:
    document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return cast("dict[str, Any]", document["tool"]["shipyard"])


@pytest.fixture
def shipyard_table() -> Callable[[Path], dict[str, Any]]:
    """`shipyard_table(root)`: the [tool.shipyard] table init wrote into root/pyproject.toml."""
    return _shipyard_table
