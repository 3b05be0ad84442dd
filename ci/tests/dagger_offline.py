"""Engine-free inspection helpers for dagger-io 0.21.11.

Everything here leans on two private details of the SDK:

* ``dagger.client.base.Type._ctx``: every API object (Container, Directory,
  ...) holds an immutable ``dagger.client._core.Context``;
* ``Context.selections``: a deque of ``dagger.client._core.Field`` records
  (``type_name``, ``name``, ``args``), one per chained call, appended
  lazily by ``Type._select()`` in the generated ``dagger/client/gen.py``;
* ``Context.execute``: the single coroutine every awaited leaf
  (``stdout()``, ``publish()``, ``id()``, ``sync()``...) goes through.
"""

# pyright: reportPrivateUsage=false

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, cast

from dagger.client._core import Context
from dagger.client.base import Type
from dagger.mod import default_module

if TYPE_CHECKING:
    import pytest
    from dagger.mod._arguments import Parameter

# ("withExec", {"args": ["ruff", "check"]}) -- args already converted by the
# SDK's cattrs converter (enums -> names, inputs -> dicts, defaults dropped);
# API objects passed as arguments are expanded recursively.
Selection = tuple[str, dict[str, object]]


def plain(value: object) -> object:
    """Turn API objects nested in query arguments into selection lists."""
    if isinstance(value, Type):
        return chain(value)
    if isinstance(value, Mapping):
        items = cast("Mapping[str, object]", value).items()
        return {k: plain(v) for k, v in items}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(v) for v in cast("Sequence[object]", value)]
    return value


def ctx_chain(ctx: Context) -> list[Selection]:
    return [(f.name, {k: plain(v) for k, v in f.args.items()}) for f in ctx.selections]


def chain(obj: Type) -> list[Selection]:
    """The recorded selections of a lazy API object, root first."""
    return ctx_chain(obj._ctx)


def sub(value: object) -> list[Selection]:
    """A nested selection list (an API object that was passed as argument)."""
    assert isinstance(value, list)
    return cast("list[Selection]", value)


def names(obj: Type) -> list[str]:
    return [name for name, _ in chain(obj)]


def find(sels: Sequence[Selection], name: str) -> list[dict[str, object]]:
    """Arguments of every selection called ``name``."""
    return [args for n, args in sels if n == name]


@dataclass
class Recorder:
    """Stands in for ``Context.execute``: records queries, returns canned data."""

    responses: dict[str, object] = field(default_factory=dict[str, object])
    queries: list[list[Selection]] = field(default_factory=list[list[Selection]])

    async def execute(self, ctx: Context, return_type: object = None) -> object:
        del return_type
        sels = ctx_chain(ctx)
        self.queries.append(sels)
        leaf = sels[-1][0]
        if leaf in self.responses:
            return self.responses[leaf]
        if leaf in ("id", "sync"):  # IDs, e.g. Module.id() or Container.sync()
            return f"fake-{sels[-2][0] if len(sels) > 1 else 'root'}-id"
        return None


class Engine(Protocol):
    """Anything that answers the module's awaited leaves in place of the engine."""

    async def execute(self, ctx: Context, return_type: object = None) -> object: ...


def patch_engine(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    """Route every awaited leaf (``Context.execute``) to `engine`."""

    async def fake_execute(self: Context, return_type: object = None) -> object:
        return await engine.execute(self, return_type)

    monkeypatch.setattr(Context, "execute", fake_execute)


def patch_execute(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    patch_engine(monkeypatch, rec)
    return rec


# --- typed views on the module registry (dagger/mod/_module.py, _resolver.py)
# ``ObjectType.functions`` is annotated with the bare generic ``Function`` and
# mypy rejects ``Function[..., X]`` (it can't parse the SDK's
# ``TypeVar("R", infer_variance=True)``), so tests see these Protocols --
# exactly the attributes they rely on -- instead of the SDK classes.


class FunctionView(Protocol):
    @property
    def wrapped(self) -> Callable[..., object]: ...
    @property
    def doc(self) -> str | None: ...
    @property
    def return_type(self) -> object: ...
    @property
    def check(self) -> bool: ...
    @property
    def cache_policy(self) -> str | None: ...
    @property
    def parameters(self) -> Mapping[str, Parameter]: ...


class ObjectView(Protocol):
    @property
    def cls(self) -> type: ...
    @property
    def functions(self) -> Mapping[str, FunctionView]: ...
    def get_constructor(self) -> FunctionView: ...


def object_type(cls: type) -> ObjectView:
    obj = default_module().get_object(cls.__name__)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return cast("ObjectView", obj)
