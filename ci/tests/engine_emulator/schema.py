"""The schema the emulator serves: every object type and field of the installed SDK's bindings.

dagger-io ships no schema file; its generated bindings (dagger/client/gen.py) hold every field the
SDK can ask for. Each `self._select("field", _args)` becomes a field whose arguments are of a
permissive scalar `Any`; a method returning `Container(_ctx)` gives an object-typed field; an
awaited one a leaf. The client introspects this schema at connect (gql's
fetch_schema_from_transport, sdk/python/src/dagger/client/_session.py) and builds its queries on it.
Which fields actually work is decided by fields.py, never by the schema.
"""

from __future__ import annotations

import ast
import inspect

from dagger.client import gen
from graphql import GraphQLSchema, build_schema

INTERFACES = {"_NodeClient": "Node", "_SyncerClient": "Syncer", "_ExportableClient": "Exportable"}


def _literal(call: ast.Call, index: int) -> str | None:
    if len(call.args) > index:
        node = call.args[index]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
    return None


def _field(method: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, list[str], str] | None:
    name: str | None = None
    args: list[str] = []
    returns = "Any"
    for node in ast.walk(method):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "_select":
                name = _literal(node, 0) or name
            elif isinstance(func, ast.Attribute) and func.attr == "execute_sync":
                name = _literal(node, 1) or "sync"
            elif isinstance(func, ast.Attribute) and func.attr == "execute_object_list":
                element = node.args[0]
                if isinstance(element, ast.Name):
                    returns = f"[{INTERFACES.get(element.id, element.id)}]"
            elif isinstance(func, ast.Name) and func.id == "Arg" and (arg := _literal(node, 0)):
                args.append(arg)
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            call = node.value
            if (
                isinstance(call.func, ast.Name)
                and call.args
                and isinstance(call.args[0], ast.Name)
                and call.args[0].id == "_ctx"
            ):
                returns = INTERFACES.get(call.func.id, call.func.id)
    return (name, args, returns) if name else None


def schema_sdl() -> str:
    """SDL for every object type of the installed dagger/client/gen.py."""
    tree = ast.parse(inspect.getsource(gen))
    types: dict[str, dict[str, tuple[list[str], str]]] = {}
    for cls in tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = {b.id for b in cls.bases if isinstance(b, ast.Name)}
        if not bases & {"Type", "Root"}:
            continue
        type_name = "Query" if "Root" in bases else INTERFACES.get(cls.name, cls.name)
        fields = types.setdefault(type_name, {})
        for item in cls.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (found := _field(item)):
                name, args, returns = found
                known = fields.get(name, ([], returns))[0]
                fields[name] = (list(dict.fromkeys(known + args)), returns)
    lines = ["scalar Any"]
    for type_name, fields in types.items():
        fields.setdefault("id", ([], "Any"))
        if type_name in INTERFACES.values():
            head = f"interface {type_name}"
        elif type_name == "Query":
            head = "type Query"
        else:
            head = f"type {type_name} implements Node"
        lines.append(head + " {")
        for name, (args, returns) in fields.items():
            signature = f"({', '.join(f'{a}: Any' for a in args)})" if args else ""
            lines.append(f"  {name}{signature}: {returns}")
        lines.append("}")
    return "\n".join(lines)


def schema() -> GraphQLSchema:
    """The schema, built once per call."""
    return build_schema(schema_sdl())
