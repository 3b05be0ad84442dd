"""Which services, images and networks a set of compose services brings along, from the parsed file.

Read from `docker compose config --format json` output (interpolated, `.env` applied): `up NAME`
also starts every service NAME depends on, so the images to pull and the networks a client must
join are those of the closure, not of NAME alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.parsers._json import Fields, as_list, as_object, load_json

_EXPECTED = "`docker compose config --format json` output"
DEFAULT_NETWORK = "default"
"""The network compose puts a service on when it names none."""


@dataclass(frozen=True)
class ServiceRun:
    """How compose runs one service: what an engine without compose (Dagger) runs instead."""

    image: str
    environment: dict[str, str]
    """Interpolated; a variable compose leaves unset (`KEY:` with no value) is left out."""
    entrypoint: tuple[str, ...] | None
    """Replaces the image's entrypoint when set."""
    command: tuple[str, ...] | None
    """Replaces the image's command when set."""
    ports: tuple[int, ...]
    """Container ports of `expose` and `ports` (TCP), in order: where the service listens."""


@dataclass(frozen=True)
class ServiceGraph:
    """The services of a compose file with what each needs."""

    depends_on: dict[str, tuple[str, ...]]
    images: dict[str, str]
    """Service -> image, for services that name one."""
    networks: dict[str, tuple[str, ...]]
    """Service -> the engine names of the networks it joins."""
    runs: dict[str, ServiceRun]
    """Service -> how it runs, for services that name an image."""

    def start_order(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The closure of `names`, each service after those it depends on (then by name)."""
        ordered: list[str] = []
        pending = set(self.closure(names))
        while pending:
            ready = sorted(s for s in pending if not set(self.depends_on.get(s, ())) & pending)
            if not ready:  # a cycle compose itself refuses: keep the rest in name order
                ready = sorted(pending)
            ordered.extend(ready)
            pending -= set(ready)
        return tuple(ordered)

    def closure(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """`names` and every service they depend on, directly or not, sorted; unknown names are kept."""
        seen: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending.extend(self.depends_on.get(name, ()))
        return tuple(sorted(seen))

    def images_of(self, names: tuple[str, ...]) -> dict[str, str]:
        """Service -> image for `names` and what they depend on."""
        return {s: self.images[s] for s in self.closure(names) if s in self.images}

    def networks_of(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """The networks `names` are on, in order, once each: what a client of them joins."""
        found = [network for name in names for network in self.networks.get(name, ())]
        return tuple(dict.fromkeys(found))


def service_graph(data: bytes | str, *, source: str) -> ServiceGraph:
    """The ServiceGraph of one `docker compose config --format json` output."""
    value = load_json(data, source=source, expected=_EXPECTED)
    config = Fields(value, source=source, expected=_EXPECTED, where="the document")
    services = as_object(config.obj.get("services"))
    if services is None:
        raise config.error("has no 'services' object")
    declared = as_object(config.obj.get("networks")) or {}
    project = config.opt_text("name") or ""
    depends: dict[str, tuple[str, ...]] = {}
    images: dict[str, str] = {}
    networks: dict[str, tuple[str, ...]] = {}
    runs: dict[str, ServiceRun] = {}
    for name, raw in services.items():
        spec = Fields(raw, source=source, expected=_EXPECTED, where=f"services.{name}")
        depends[name] = tuple(sorted(as_object(spec.obj.get("depends_on")) or {}))
        image = spec.opt_text("image")
        if image:
            images[name] = image
            runs[name] = _run(spec, image)
        keys = tuple(as_object(spec.obj.get("networks")) or {}) or (DEFAULT_NETWORK,)
        networks[name] = tuple(_engine_name(key, declared, project=project) for key in keys)
    return ServiceGraph(depends_on=depends, images=images, networks=networks, runs=runs)


def _run(spec: Fields, image: str) -> ServiceRun:
    environment = as_object(spec.obj.get("environment")) or {}
    ports = [int(p) for p in _strings(spec.obj.get("expose")) if p.isdigit()]
    for port in as_list(spec.obj.get("ports")) or []:
        target = (as_object(port) or {}).get("target")
        protocol = (as_object(port) or {}).get("protocol", "tcp")
        if isinstance(target, int) and protocol == "tcp":
            ports.append(target)
    return ServiceRun(
        image=image,
        environment={k: v for k, v in sorted(environment.items()) if isinstance(v, str)},
        entrypoint=_argv(spec.obj.get("entrypoint")),
        command=_argv(spec.obj.get("command")),
        ports=tuple(dict.fromkeys(ports)),
    )


def _strings(value: object) -> list[str]:
    return [item for item in as_list(value) or [] if isinstance(item, str)]


def _argv(value: object) -> tuple[str, ...] | None:
    """A command or entrypoint as compose config renders it (a list), or None when unset."""
    return tuple(_strings(value)) if as_list(value) is not None else None


def _engine_name(key: str, declared: dict[str, object], *, project: str) -> str:
    """The network's name on the engine: its `name`, else `<project>_<key>` as compose makes it."""
    named = (as_object(declared.get(key)) or {}).get("name")
    return named if isinstance(named, str) and named else f"{project}_{key}"
