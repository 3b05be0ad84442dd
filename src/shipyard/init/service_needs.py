"""Which compose services the tests need, and the variables that tell the tests where they are.

A test that reads a variable a service kind knows (DATABASE_URL, REDIS_URL, PGHOST, ...) needs
the first service of the compose stack of that kind; the variable's value is built from that
service's `environment` in the compose file. A credential that depends on an interpolation, on
`.env` or on an `env_file` is not guessed: the need is kept, without a value, for a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.init.service_kinds import ServiceKind, Unresolved, connection, interpolated, kind_of

if TYPE_CHECKING:
    from shipyard.init.compose_scan import ComposeFile, ComposeService


@dataclass(frozen=True)
class ServiceNeed:
    """One variable the tests read, the service it points at and its value."""

    variable: str
    service: str
    kind: ServiceKind
    value: str | None
    """None when a credential is not in the compose file (see `unresolved`)."""
    unresolved: str | None = None
    """Why the value is not known: `POSTGRES_PASSWORD comes from ${DB_PASSWORD}`."""

    @property
    def template(self) -> str:
        """The value to set by hand, with placeholders for what init did not know."""
        kind = self.kind
        if kind.reads[self.variable] != "url":
            return f"<{kind.reads[self.variable]}>"
        return f"{kind.scheme}://<user>:<password>@{self.service}:{kind.port}/<database>"


def _why(missing: Unresolved, service: ComposeService, stack: ComposeFile) -> str:
    if missing.source:
        return f"its {missing.variable} comes from {missing.source}"
    files = ", ".join(service.env_files)
    where = f"only in its env_file {files}" if files else f"not in {stack.path}"
    return f"its {missing.variable} is {where}"


def _need(variable: str, service: ComposeService, kind: ServiceKind, stack: ComposeFile) -> ServiceNeed:
    part = kind.reads[variable]
    if part in {"host", "port"}:
        value = service.name if part == "host" else str(kind.port)
        return ServiceNeed(variable=variable, service=service.name, kind=kind, value=value)
    reached = connection(kind, service.name, service.environment, stack.dotenv_names)
    if isinstance(reached, Unresolved):
        why = _why(reached, service, stack)
        return ServiceNeed(variable=variable, service=service.name, kind=kind, value=None, unresolved=why)
    return ServiceNeed(variable=variable, service=service.name, kind=kind, value=reached.part(part))


def service_needs(reads: tuple[str, ...], stack: ComposeFile | None) -> tuple[ServiceNeed, ...]:
    """For each variable the tests read that a service of `stack` answers: the need, in `reads` order."""
    if stack is None:
        return ()
    kinds = [
        (service, kind_of(interpolated(service.image, stack.dotenv_names) if service.image else None))
        for service in stack.pulled
    ]
    needs: list[ServiceNeed] = []
    for variable in reads:
        found = next(((s, k) for s, k in kinds if k is not None and variable in k.reads), None)
        if found is not None:
            needs.append(_need(variable, found[0], found[1], stack))
    return tuple(needs)
