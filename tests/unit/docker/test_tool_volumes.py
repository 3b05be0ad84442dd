"""The mark that a tool volume was filled: checked with volume inspections only, never trusted stale."""

from __future__ import annotations

from typing import Any

import docker.errors

from shipyard.docker.container_step import FILLED_LABEL, ToolVolumes
from shipyard.stages.spec import ToolBinary

UV = ToolBinary(
    tool="uv", image="ghcr.io/astral-sh/uv:0.11.7@sha256:" + "a" * 64, source="/uv", dest="/opt/x/uv/uv"
)


class FakeApi:
    """Volumes by name, as the engine's inspect endpoint answers them."""

    def __init__(self, volumes: dict[str, dict[str, Any]]) -> None:
        self.volumes = volumes
        self.inspected: list[str] = []

    def inspect_volume(self, name: str) -> dict[str, Any]:
        self.inspected.append(name)
        if name not in self.volumes:
            raise docker.errors.NotFound(name)
        return self.volumes[name]


class FakeClient:
    def __init__(self, api: FakeApi) -> None:
        self.api = api


def filled(volumes: dict[str, dict[str, Any]]) -> bool:
    tools = ToolVolumes(FakeClient(FakeApi(volumes)), images=None, tools=None, labels={})  # pyright: ignore[reportArgumentType]
    return tools._filled(UV, ToolVolumes.name(UV))  # pyright: ignore[reportPrivateUsage]


def test_a_volume_with_the_mark_of_its_own_fill_is_ready() -> None:
    created = "2026-12-01T17:00:00Z"
    volumes = {
        ToolVolumes.name(UV): {"CreatedAt": created},
        ToolVolumes.mark_name(UV): {"Labels": {FILLED_LABEL: created}},
    }
    assert filled(volumes)


def test_no_mark_means_the_fill_may_have_been_cut_short() -> None:
    assert not filled({ToolVolumes.name(UV): {"CreatedAt": "2026-12-01T17:00:00Z"}})


def test_a_mark_left_from_a_removed_volume_of_the_same_name_is_not_trusted() -> None:
    volumes = {
        ToolVolumes.name(UV): {"CreatedAt": "2026-12-01T18:00:00Z"},
        ToolVolumes.mark_name(UV): {"Labels": {FILLED_LABEL: "2026-12-01T17:00:00Z"}},
    }
    assert not filled(volumes)


def test_a_mark_without_its_volume_is_not_trusted() -> None:
    assert not filled({ToolVolumes.mark_name(UV): {"Labels": {FILLED_LABEL: "2026-12-01T17:00:00Z"}}})


def test_the_mark_is_named_after_the_volume_and_keeps_the_namespace_last(monkeypatch: Any) -> None:
    monkeypatch.setenv("SHIPYARD_CACHE_NAMESPACE", "cmpabc")
    assert ToolVolumes.mark_name(UV) == ToolVolumes.name(UV).removesuffix("-cmpabc") + "-filled-cmpabc"
