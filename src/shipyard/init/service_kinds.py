"""The kinds of service `shipyard init` can wire to the tests: how to know one, how to reach it.

One row per kind: the image names that run it, its port, where its credentials are in the
container's environment (the official images' variables) and the variables tests commonly read
to find it, each mapped to the part of the connection it holds (the URL, the host, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

Part = Literal["url", "host", "port", "user", "password", "database"]


@dataclass(frozen=True)
class ServiceKind:
    """One kind of service and how tests reach it."""

    label: str
    """As a reason names it: `PostgreSQL`."""
    images: frozenset[str]
    """Image names (the last path part, without tag or digest) that run it."""
    scheme: str
    port: int
    reads: dict[str, Part]
    """Variables tests read to find it, and the part each holds."""
    user: tuple[str, ...] = ()
    """Container variables naming the user, first set wins."""
    default_user: str | None = None
    """The user when none is set; None: no credentials unless a user is set."""
    password: tuple[str, ...] = ()
    passwordless: tuple[str, ...] = ()
    """Container variables that, when set, let the user in without a password."""
    database: tuple[str, ...] = ()
    default_database: str | None = None
    """The database when none is set (`{user}`: the user's name); None: no path."""


_POSTGRES_URLS = ("DATABASE_URL", "POSTGRES_URL", "POSTGRES_DSN", "POSTGRESQL_URL", "PG_URL", "PG_DSN")
_MYSQL_URLS = ("DATABASE_URL", "MYSQL_URL", "MYSQL_DSN", "MARIADB_URL")

KINDS: tuple[ServiceKind, ...] = (
    ServiceKind(
        label="PostgreSQL",
        images=frozenset({"postgres", "postgis", "pgvector", "timescaledb"}),
        scheme="postgresql",
        port=5432,
        reads={
            **dict.fromkeys(_POSTGRES_URLS, "url"),
            "PGHOST": "host",
            "PGPORT": "port",
            "PGUSER": "user",
            "PGPASSWORD": "password",
            "PGDATABASE": "database",
            "POSTGRES_HOST": "host",
            "POSTGRES_PORT": "port",
        },
        user=("POSTGRES_USER",),
        default_user="postgres",
        password=("POSTGRES_PASSWORD",),
        passwordless=("POSTGRES_HOST_AUTH_METHOD",),
        database=("POSTGRES_DB",),
        default_database="{user}",
    ),
    ServiceKind(
        label="Redis",
        images=frozenset({"redis", "valkey", "redis-stack-server"}),
        scheme="redis",
        port=6379,
        reads={"REDIS_URL": "url", "REDIS_DSN": "url", "REDIS_HOST": "host", "REDIS_PORT": "port"},
        default_database="0",
    ),
    ServiceKind(
        label="MySQL",
        images=frozenset({"mysql", "mariadb"}),
        scheme="mysql",
        port=3306,
        reads={**dict.fromkeys(_MYSQL_URLS, "url"), "MYSQL_HOST": "host", "MYSQL_PORT": "port"},
        default_user="root",
        password=("MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD"),
        passwordless=("MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"),
        database=("MYSQL_DATABASE", "MARIADB_DATABASE"),
    ),
    ServiceKind(
        label="MongoDB",
        images=frozenset({"mongo"}),
        scheme="mongodb",
        port=27017,
        reads=dict.fromkeys(("MONGO_URL", "MONGO_URI", "MONGODB_URL", "MONGODB_URI"), "url"),
        user=("MONGO_INITDB_ROOT_USERNAME",),
        password=("MONGO_INITDB_ROOT_PASSWORD",),
    ),
)


def image_name(image: str) -> str:
    """`docker.io/library/postgres:15@sha256:…` → `postgres`."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()


def kind_of(image: str | None) -> ServiceKind | None:
    """The kind of service an image runs, or None."""
    name = image_name(image) if image else ""
    return next((k for k in KINDS if name in k.images), None)


@dataclass(frozen=True)
class Unresolved:
    """A credential init will not guess: `variable` comes from `source` (an interpolation, a file)."""

    variable: str
    source: str


def _value(
    environment: dict[str, str], names: tuple[str, ...], dotenv: tuple[str, ...]
) -> str | Unresolved | None:
    """The first of `names` the container sets, resolved; None when none is set."""
    name = next((n for n in names if n in environment), None)
    if name is None:
        return None
    resolved = interpolated(environment[name], dotenv)
    return Unresolved(name, environment[name]) if resolved is None else resolved


def interpolated(value: str, dotenv: tuple[str, ...]) -> str | None:
    """`value` as compose would interpolate it with no variable set, or None when that depends on one.

    `${VAR:-default}` gives its default unless `.env` sets VAR (whose value is never read); `$$` is `$`.
    """
    out: list[str] = []
    rest = value
    while "$" in rest:
        before, _, rest = rest.partition("$")
        out.append(before)
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        if not rest.startswith("{") or "}" not in rest:
            return None
        inner, _, rest = rest[1:].partition("}")
        name, operator, default = next(
            ((inner.partition(op)[0], op, inner.partition(op)[2]) for op in (":-", "-") if op in inner),
            (inner, "", ""),
        )
        if not operator or name in dotenv:
            return None
        out.append(default)
    return "".join(out) + rest


@dataclass(frozen=True)
class Connection:
    """Where and as whom the tests reach one service."""

    kind: ServiceKind
    host: str
    user: str | None
    password: str | None
    database: str | None

    def part(self, part: Part) -> str:
        """The value of a variable holding `part`."""
        if part == "url":
            return self.url
        values = {"host": self.host, "port": str(self.kind.port), "user": self.user or ""}
        values |= {"password": self.password or "", "database": self.database or ""}
        return values[part]

    @property
    def url(self) -> str:
        """`postgresql://user:password@db:5432/name`."""
        credentials = ""
        if self.user is not None:
            secret = f":{quote(self.password, safe='')}" if self.password is not None else ""
            credentials = f"{quote(self.user, safe='')}{secret}@"
        path = f"/{self.database}" if self.database is not None else ""
        return f"{self.kind.scheme}://{credentials}{self.host}:{self.kind.port}{path}"


def connection(
    kind: ServiceKind, service: str, environment: dict[str, str], dotenv: tuple[str, ...]
) -> Connection | Unresolved:
    """How the tests reach `service` from its compose `environment`, or the credential init cannot know."""
    user = _value(environment, kind.user, dotenv)
    if isinstance(user, Unresolved):
        return user
    user = user if user is not None else kind.default_user
    password = _value(environment, kind.password, dotenv) if user is not None else None
    if isinstance(password, Unresolved):
        return password
    passwordless = any(n in environment for n in kind.passwordless)
    if user is not None and password is None and kind.password and not passwordless:
        return Unresolved(kind.password[0], "")
    database = _value(environment, kind.database, dotenv)
    if isinstance(database, Unresolved):
        return database
    if database is None and kind.default_database is not None:
        database = kind.default_database.format(user=user or "")
    return Connection(kind=kind, host=service, user=user, password=password, database=database)
