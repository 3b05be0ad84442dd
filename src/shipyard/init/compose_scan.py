"""The services of a compose file, read without a YAML library or an engine.

`shipyard init` needs a few facts per service: its name, whether it builds an image (`build:`)
and from which Dockerfile, which image it runs otherwise, its `environment` and its `env_file`s.
Compose files written by hand keep `services:` at the top level with one service per indented
key, which is what this reads; a file it cannot read gives no services, and the compose stage's
own `docker compose config` still checks the file when the pipeline runs.

`.env` beside the compose file is read for its names only: its values may be secrets, and init
never copies one into a table.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from pathlib import Path

_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_.-]+):(?:\s+(?P<value>.*?))?(?:\s+#.*)?\s*$")
_ITEM = re.compile(r"^(?P<indent> *)- +(?P<value>.*?)(?:\s+#.*)?\s*$")
_DOTENV = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=")
_NESTED = ("build", "environment", "env_file")
"""Service keys whose block below is read: `build.dockerfile`, the variables, the files."""


class ComposeService(BaseModel):
    """One service of a compose file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    builds: bool = False
    """It has a `build:` key: compose would build its image from the project."""
    dockerfile: str | None = None
    """`build.dockerfile`, relative to the build context, when set."""
    image: str | None = None
    environment: dict[str, str] = {}
    """`environment`, as written (`${VAR}` interpolations not resolved); a name without a value is absent."""
    env_files: tuple[str, ...] = ()
    """`env_file`: files whose variables the container also gets (never read)."""


class ComposeFile(BaseModel):
    """A compose file of the project and its services."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """Relative to the project root."""
    services: tuple[ComposeService, ...] = ()
    dotenv_names: tuple[str, ...] = ()
    """The names `.env` beside the file sets (compose interpolates from it); its values are never read."""

    @property
    def built(self) -> tuple[ComposeService, ...]:
        """The services compose builds from the project."""
        return tuple(s for s in self.services if s.builds)

    @property
    def pulled(self) -> tuple[ComposeService, ...]:
        """The services that run an image from a registry (databases, caches, brokers)."""
        return tuple(s for s in self.services if not s.builds)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":  # noqa: PLR2004 - two quotes
        return value[1:-1]
    return value


def _flow(value: str) -> list[str]:
    """The entries of a one-line flow collection (`[A=1, B=2]`, `{A: 1}`), else `[value]`."""
    if len(value) >= 2 and (value[0], value[-1]) in {("[", "]"), ("{", "}")}:  # noqa: PLR2004
        return [part.strip() for part in value[1:-1].split(",") if part.strip()]
    return [value] if value else []


def _variable(current: dict[str, object], entry: str, *, mapping: bool) -> None:
    """One `environment` entry: `NAME: value` (mapping) or `NAME=value` (list)."""
    name, separator, value = entry.partition(":" if mapping else "=")
    name = _unquote(name) if mapping else _unquote(entry).partition("=")[0]
    value = value if mapping else _unquote(entry).partition("=")[2]
    environment = current.setdefault("environment", {})
    assert isinstance(environment, dict)  # noqa: S101 - set just above
    if separator and name and value.strip() not in {"", "~", "null"}:
        environment[name.strip()] = _unquote(value)


def _service_key(current: dict[str, object], key: str, value: str) -> None:
    """Record one top-level key of a service."""
    if key == "build":
        current["builds"] = True
    elif key == "image":
        current["image"] = _unquote(value)
    elif key == "environment":
        for entry in _flow(value):
            _variable(current, entry, mapping=value.startswith("{"))
    elif key == "env_file" and value:
        current["env_files"] = [_unquote(e) for e in _flow(value)]


def _nested(current: dict[str, object], block: str, line: str) -> None:
    """Record one line inside a service's `build`, `environment` or `env_file` block."""
    item, key = _ITEM.match(line), _KEY.match(line)
    if block == "build" and key is not None and key.group("key") == "dockerfile":
        current["dockerfile"] = _unquote(key.group("value") or "")
    elif block == "environment" and item is not None:
        _variable(current, item.group("value"), mapping=False)
    elif block == "environment" and key is not None:
        _variable(current, f"{key.group('key')}:{key.group('value') or ''}", mapping=True)
    elif block == "env_file" and item is not None:
        path = _unquote(item.group("value"))
        files = current.setdefault("env_files", [])
        assert isinstance(files, list)  # noqa: S101 - set just above
        files.append(path.removeprefix("path:").strip() if path.startswith("path:") else path)


def _dotenv_names(root: Path, relative: str) -> tuple[str, ...]:
    dotenv = (root / relative).parent / ".env"
    if not dotenv.is_file():
        return ()
    lines = dotenv.read_text(encoding="utf-8", errors="replace").splitlines()
    return tuple(m.group("name") for m in map(_DOTENV.match, lines) if m is not None)


def read_compose(root: Path, relative: str) -> ComposeFile:
    """The services of the compose file `relative` under `root`."""
    lines = (root / relative).read_text(encoding="utf-8", errors="replace").splitlines()
    services: list[dict[str, object]] = []
    in_services = False
    service_indent: int | None = None
    key_indent: int | None = None
    block: str | None = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        match = _KEY.match(line)
        if indent == 0:
            in_services = match is not None and match.group("key") == "services"
        elif not in_services:
            continue
        elif match is not None and (service_indent is None or indent <= service_indent):
            service_indent, key_indent, block = indent, None, None
            services.append({"name": match.group("key")})
        elif services and block is not None and key_indent is not None and indent > key_indent:
            _nested(services[-1], block, line)
        elif services and match is not None and (key_indent is None or indent <= key_indent):
            key_indent = indent
            key, value = match.group("key"), match.group("value") or ""
            block = key if key in _NESTED and not value else None
            _service_key(services[-1], key, value)
    return ComposeFile(
        path=relative,
        services=tuple(ComposeService.model_validate(s) for s in services),
        dotenv_names=_dotenv_names(root, relative),
    )
