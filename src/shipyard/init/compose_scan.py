"""The services of a compose file, read without a YAML library or an engine.

`shipyard init` needs three facts per service: its name, whether it builds an image (`build:`)
and from which Dockerfile, and which image it runs otherwise. Compose files written by hand keep
`services:` at the top level with one service per indented key, which is what this reads; a file
it cannot read gives no services, and the compose stage's own `docker compose config` still
checks the file when the pipeline runs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from pathlib import Path

_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):\s*(?P<value>.*?)\s*(?:#.*)?$")


class ComposeService(BaseModel):
    """One service of a compose file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    builds: bool = False
    """It has a `build:` key: compose would build its image from the project."""
    dockerfile: str | None = None
    """`build.dockerfile`, relative to the build context, when set."""
    image: str | None = None


class ComposeFile(BaseModel):
    """A compose file of the project and its services."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """Relative to the project root."""
    services: tuple[ComposeService, ...] = ()

    @property
    def built(self) -> tuple[ComposeService, ...]:
        """The services compose builds from the project."""
        return tuple(s for s in self.services if s.builds)

    @property
    def pulled(self) -> tuple[ComposeService, ...]:
        """The services that run an image from a registry (databases, caches, brokers)."""
        return tuple(s for s in self.services if not s.builds)


def _unquote(value: str) -> str:
    return value.strip().strip("'\"")


def _service_key(current: dict[str, str | bool | None], key: str, value: str, *, in_build: bool) -> None:
    """Record one key of a service (`build.dockerfile` when inside its `build:` block)."""
    if in_build:
        if key == "dockerfile":
            current["dockerfile"] = _unquote(value)
    elif key == "build":
        current["builds"] = True
    elif key == "image":
        current["image"] = _unquote(value)


def read_compose(root: Path, relative: str) -> ComposeFile:
    """The services of the compose file `relative` under `root`."""
    lines = (root / relative).read_text(encoding="utf-8", errors="replace").splitlines()
    services: list[dict[str, str | bool | None]] = []
    in_services = False
    service_indent: int | None = None
    build_indent: int | None = None
    for line in lines:
        match = _KEY.match(line)
        if match is None:
            continue
        indent, key, value = len(match.group("indent")), match.group("key"), match.group("value")
        if indent == 0:
            in_services = key == "services"
        elif in_services and (service_indent is None or indent <= service_indent):
            service_indent, build_indent = indent, None
            services.append({"name": key})
        elif in_services and services:
            in_build = build_indent is not None and indent > build_indent
            if not in_build:
                build_indent = indent if key == "build" else None
            _service_key(services[-1], key, value, in_build=in_build)
    return ComposeFile(path=relative, services=tuple(ComposeService.model_validate(s) for s in services))
