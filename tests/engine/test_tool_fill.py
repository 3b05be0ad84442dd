"""Filling a tool volume on a real engine: the file whole, a second fill a no-op, a wrong path named."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from shipyard.docker.container_step import ToolCache, ToolVolumes
from shipyard.docker.engine import connect
from shipyard.docker.images import ImageResolver
from shipyard.errors import StageError
from shipyard.stages.common import tool_path
from shipyard.stages.spec import ToolBinary

pytestmark = pytest.mark.engine

UV_IMAGE = "ghcr.io/astral-sh/uv:0.11.7"


def _volumes(monkeypatch: pytest.MonkeyPatch) -> tuple[ToolVolumes, str]:
    namespace = "fill" + uuid.uuid4().hex[:8]
    monkeypatch.setenv("SHIPYARD_CACHE_NAMESPACE", namespace)
    client = connect()
    images = ImageResolver(client, pull=False)
    labels = {"dev.shipyard.run": namespace}
    return ToolVolumes(client, images, ToolCache(client, images, labels), labels), namespace


def _cleanup(namespace: str) -> None:
    ls = ["docker", "volume", "ls", "-q", "--filter", f"name=-{namespace}"]
    names = subprocess.run(ls, capture_output=True, text=True, check=False).stdout.split()
    if names:
        subprocess.run(["docker", "volume", "rm", "-f", *names], capture_output=True, check=False)


def test_the_volume_holds_the_executable_whole_and_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    volumes, namespace = _volumes(monkeypatch)
    uv = ToolBinary(tool="uv", image=UV_IMAGE, source="/uv", dest=tool_path("uv"))
    try:
        (name,) = volumes.mounts((uv,))
        assert volumes._filled(uv, name)  # pyright: ignore[reportPrivateUsage]
        ran = subprocess.run(
            ["docker", "run", "--rm", "-v", f"{name}:/t:ro", "python:3.12-slim", "/t/uv", "--version"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.startswith("uv "), ran.stdout
    finally:
        _cleanup(namespace)


def test_a_path_the_image_does_not_have_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    volumes, namespace = _volumes(monkeypatch)
    wrong = ToolBinary(tool="uv", image=UV_IMAGE, source="/usr/bin/uv", dest=tool_path("uv"))
    try:
        with pytest.raises(StageError, match=r"has no /usr/bin/uv") as raised:
            volumes.mounts((wrong,))
        assert "[tool.shipyard.tools]" in (raised.value.fix or "")
        assert not volumes._filled(wrong, ToolVolumes.name(wrong))  # pyright: ignore[reportPrivateUsage]
    finally:
        _cleanup(namespace)
