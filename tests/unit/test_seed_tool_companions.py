"""The seeded uv image carries /uvx beside /uv, as ghcr.io/astral-sh/uv does."""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

from shipyard.bootstrap import seed_tools
from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_the_uv_wheels_uvx_is_extracted_beside_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wheel = tmp_path / "uv-0.11.7-py3-none-manylinux_2_17_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:  # the layout of uv's wheel: both in the data scripts
        zf.writestr("uv-0.11.7.data/scripts/uv", b"\x7fELF uv")
        zf.writestr("uv-0.11.7.data/scripts/uvx", b"\x7fELF uvx")
        zf.writestr("uv/__init__.py", b"")

    def downloaded(spec: str, dest: Path) -> Path:
        del spec, dest
        return wheel

    monkeypatch.setattr(seed_tools, "_pip_download", downloaded)
    binary, stand_in = seed_tools.fetch_binary("uv", DEFAULT_TOOL_IMAGES["uv"], tmp_path / "work")
    assert stand_in is None
    assert binary.read_bytes() == b"\x7fELF uv"
    assert binary.with_name("uvx").read_bytes() == b"\x7fELF uvx"  # where _tool_layer looks for it
