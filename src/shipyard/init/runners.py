"""What a project's own test runners say: tox, noxfile.py and .pre-commit-config.yaml.

They tell `shipyard init` how the project installs its tests (requirement files, constraints,
extras), which pytest `-m` expression it runs, which Pythons it tests and which tool versions it
pins. Each reader takes the text as it is and never runs the tool.

tox's configuration is read where tox 4 looks for it, the first found (tox.wiki, "Discovery and
file types"): tox.ini, pyproject.toml's `[tool.tox]` (`legacy_tox_ini` INI text, else native
TOML), tox.toml. setup.cfg's `[tox:tox]` is not read.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from typing import TYPE_CHECKING, Literal, cast

from pydantic import BaseModel, ConfigDict

from shipyard.config.toml_document import toml_document, toml_strings, toml_table

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

RunnerKind = Literal["tox", "nox", "pre-commit"]
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>[\w.+!-]+)\s*(?:;.*)?$")
_PRE_COMMIT_REPO = re.compile(
    r"-\s*repo:\s*['\"]?(?P<repo>\S+?)['\"]?\s*\n\s*rev:\s*['\"]?(?P<rev>[^\s'\"]+)['\"]?"
    r"(?:[ \t]*#[ \t]*frozen:[ \t]*(?P<frozen>\S+))?"
)
"""A hook repository and its `rev`; a sha pinned by `pre-commit autoupdate --freeze` carries the
tag it froze in a `# frozen: v0.11.11` comment."""
_SHA = re.compile(r"[0-9a-f]{40}")
_PRE_COMMIT_HOOKS = {
    "ruff-pre-commit": "ruff",
    "mirrors-mypy": "mypy",
    "black": "black",
    "flake8": "flake8",
    "isort": "isort",
}
"""pre-commit hook repositories (last path part) and the tool whose version their `rev` is."""


class RunnerFacts(BaseModel):
    """How one of the project's own runners installs and runs its tests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RunnerKind
    file: str
    """The file it was read from, relative to the project root."""
    requirement_files: tuple[str, ...] = ()
    """Files installed with `-r`, relative to the project root."""
    constraints: str | None = None
    """A file installed with `-c`."""
    extras: tuple[str, ...] = ()
    """The project's extras it installs (`.[test]`, tox's `extras =`)."""
    markers: str | None = None
    """The pytest `-m` expression its test command passes."""
    pins: dict[str, str] = {}
    """Tool versions it pins, by normalised package name (`ruff`: `0.5.0`)."""
    pythons: tuple[str, ...] = ()
    """CPython versions (`3.10`) its environments or sessions are named for or ask for."""
    groups: tuple[str, ...] = ()
    """Dependency groups (PEP 735) its test environments install (tox's `dependency_groups`, but
    those under a factor such as `django52: django52`)."""


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _relative(value: str) -> str:
    for prefix in ("{toxinidir}/", "{tox_root}/", "./"):
        value = value.removeprefix(prefix)
    return value


def _install_args(args: Iterable[str]) -> dict[str, list[str]]:
    """Requirement files, constraints, extras and pins among `pip install` arguments."""
    found: dict[str, list[str]] = {"requirements": [], "constraints": [], "extras": [], "pins": []}
    pending: str | None = None
    for arg in args:
        if pending is not None:
            found[pending].append(_relative(arg))
            pending = None
        elif arg in {"-r", "--requirement"}:
            pending = "requirements"
        elif arg in {"-c", "--constraint"}:
            pending = "constraints"
        elif arg.startswith("-r") and len(arg) > 2:  # noqa: PLR2004 - `-rfile`
            found["requirements"].append(_relative(arg[2:].strip()))
        elif arg.startswith("-c") and len(arg) > 2:  # noqa: PLR2004 - `-cfile`
            found["constraints"].append(_relative(arg[2:].strip()))
        elif match := re.fullmatch(r"\.\[(?P<extras>[^\]]+)\]", arg.strip("'\"")):
            found["extras"] += [extra.strip() for extra in match.group("extras").split(",")]
        elif _PIN.match(arg):
            found["pins"].append(arg)
    return found


def _pins(specs: Iterable[str]) -> dict[str, str]:
    pins: dict[str, str] = {}
    for spec in specs:
        match = _PIN.match(spec.strip())
        if match:
            pins[_normal(match.group("name"))] = match.group("version")
    return pins


def _markers(argv: list[str]) -> str | None:
    """The `-m` expression of a command running pytest (also `python -m pytest`)."""
    start = next(
        (n for n, arg in enumerate(argv) if arg in {"pytest", "py.test"} or arg.endswith("/pytest")), None
    )
    if start is None:
        return None
    rest = argv[start + 1 :]
    return next((rest[n + 1] for n, arg in enumerate(rest[:-1]) if arg == "-m"), None)


def _facts(
    kind: RunnerKind,
    file: str,
    install: dict[str, list[str]],
    markers: str | None,
    *,
    pythons: tuple[str, ...] = (),
    groups: Iterable[str] = (),
) -> RunnerFacts:
    return RunnerFacts(
        kind=kind,
        file=file,
        requirement_files=tuple(dict.fromkeys(install["requirements"])),
        constraints=install["constraints"][0] if install["constraints"] else None,
        extras=tuple(dict.fromkeys(install["extras"])),
        markers=markers,
        pins=_pins(install["pins"]),
        pythons=pythons,
        groups=tuple(dict.fromkeys(groups)),
    )


_TOX_PYTHON = re.compile(r"py3\.?(?P<minor>\d{1,2})")
"""A factor naming a CPython: `py310`, `py3.10` (not `py3` alone, not `pypy311`)."""
_BRACES = re.compile(r"\{([^{}]*)\}")


def _expanded(name: str) -> list[str]:
    """Tox's generative names: `py3{10,11}-django{42,50}` is four environments."""
    match = _BRACES.search(name)
    if match is None:
        return [name]
    head, tail = name[: match.start()], name[match.end() :]
    return [each for part in match.group(1).split(",") for each in _expanded(head + part.strip() + tail)]


def env_pythons(names: Iterable[str]) -> tuple[str, ...]:
    """The CPython versions tox environment names ask for, oldest first (`py311-django42`: 3.11)."""
    minors = {
        int(match.group("minor"))
        for name in names
        for each in _expanded(name.strip())
        for factor in each.split("-")
        if (match := _TOX_PYTHON.fullmatch(factor))
    }
    return tuple(f"3.{minor}" for minor in sorted(minors))


def _listed_names(value: str) -> list[str]:
    """An INI list of environments (commas or lines; braces keep their commas)."""
    names: list[str] = []
    for line in _ini_lines(value):
        names += [n.strip() for n in re.split(r",(?![^{]*\})", line) if n.strip()]
    return names


def _ini_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def read_tox(path: Path) -> RunnerFacts | None:
    """The test environments of a tox.ini, merged (None when it has none or cannot be read)."""
    return _tox_ini(path.read_text(encoding="utf-8", errors="replace"), path.name)


def _tox_ini(text: str, file: str) -> RunnerFacts | None:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    sections = [s for s in parser.sections() if s == "testenv" or s.startswith("testenv:")]
    if not sections:
        return None
    listed = parser.get("tox", "env_list", fallback=None) or parser.get("tox", "envlist", fallback="")
    names = [*_listed_names(listed), *(s.removeprefix("testenv:") for s in sections)]
    deps: list[str] = []
    extras: list[str] = []
    markers: str | None = None
    groups: list[str] = []
    for section in sections:
        if _ini_runs_pytest(parser, section):
            groups += _ini_groups(parser, section)
        for line in _ini_lines(parser.get(section, "deps", fallback="")):
            deps += shlex.split(line) if line.startswith("-") else [line]
        extras += [
            e.strip() for e in re.split(r"[,\s]+", parser.get(section, "extras", fallback="")) if e.strip()
        ]
        for line in _ini_lines(parser.get(section, "commands", fallback="")):
            markers = markers or _markers(_split(line))
    install = _install_args(deps)
    install["extras"] = extras + install["extras"]
    install["pins"] = [d for d in deps if _PIN.match(d)]
    return _facts("tox", file, install, markers, pythons=env_pythons(names), groups=groups)


def _inherited(parser: configparser.ConfigParser, section: str, key: str) -> str:
    """A testenv's own `key`, else [testenv]'s: tox's fallback for run environments."""
    own = parser.get(section, key, fallback=None)
    return own if own is not None else parser.get("testenv", key, fallback="")


def _runs_pytest(argv: list[str]) -> bool:
    return any(arg in {"pytest", "py.test"} or arg.endswith("/pytest") for arg in argv)


def _ini_runs_pytest(parser: configparser.ConfigParser, section: str) -> bool:
    return any(_runs_pytest(_split(line)) for line in _ini_lines(_inherited(parser, section, "commands")))


def _ini_groups(parser: configparser.ConfigParser, section: str) -> list[str]:
    """The groups a testenv installs in every environment (a `factor: group` line is not)."""
    lines = _ini_lines(_inherited(parser, section, "dependency_groups"))
    return [g for line in lines if ":" not in line for g in re.split(r"[,\s]+", line) if g]


def _argvs(commands: object) -> list[list[str]]:
    """A TOML `commands` list of argv lists (a `{replace = ...}` item dropped)."""
    return [toml_strings(c) for c in cast("list[object]", commands)] if isinstance(commands, list) else []


def _tox_toml(table: dict[str, object], file: str) -> RunnerFacts | None:
    """Tox's native TOML (`env_list`, `env_run_base`, `env.<name>`), merged like _tox_ini."""
    listed = toml_table(table, "env")
    envs = {name: toml_table(listed, name) for name in listed if toml_table(listed, name)}
    base = toml_table(table, "env_run_base")
    if not base and not envs:
        return None
    deps: list[str] = []
    extras: list[str] = []
    markers: str | None = None
    groups: list[str] = []
    for env in (base, *envs.values()):
        argvs = _argvs(env.get("commands", base.get("commands")))  # an env's own, else the base's
        if any(_runs_pytest(argv) for argv in argvs):
            groups += toml_strings(env.get("dependency_groups", base.get("dependency_groups")))
        for dep in toml_strings(env.get("deps")):
            deps += _split(dep) if dep.startswith("-") else [dep]
        extras += toml_strings(env.get("extras"))
        for argv in _argvs(env.get("commands")):
            markers = markers or _markers(argv)
    install = _install_args(deps)
    install["extras"] = extras + install["extras"]
    install["pins"] = [d for d in deps if _PIN.match(d)]
    names = [*toml_strings(table.get("env_list")), *envs]
    return _facts("tox", file, install, markers, pythons=env_pythons(names), groups=groups)


def read_tox_config(root: Path) -> RunnerFacts | None:
    """The tox configuration tox itself would use at `root` (the module's doc), read."""
    if (root / "tox.ini").is_file():
        return read_tox(root / "tox.ini")
    for name in ("pyproject.toml", "tox.toml"):
        document = toml_document(root / name)
        table = toml_table(document, "tool", "tox") if name == "pyproject.toml" else document
        if not table:
            continue
        legacy = table.get("legacy_tox_ini")
        if isinstance(legacy, str):
            return _tox_ini(legacy, f"{name} [tool.tox] legacy_tox_ini")
        return _tox_toml(table, f"{name} [tool.tox]" if name == "pyproject.toml" else name)
    return None


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


def _string_args(call: ast.Call) -> list[str]:
    return [arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]


def _session_calls(tree: ast.AST, method: str) -> Iterator[list[str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method:
            yield _string_args(node)


def read_nox(path: Path) -> RunnerFacts | None:
    """`session.install(...)` and `session.run("pytest", ...)` of a noxfile.py (None if it does not parse)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=str(path))
    except SyntaxError:
        return None
    install = _install_args(arg for args in _session_calls(tree, "install") for arg in args)
    markers = next((m for args in _session_calls(tree, "run") if (m := _markers(args))), None)
    return _facts("nox", path.name, install, markers, pythons=_nox_pythons(tree))


def _nox_pythons(tree: ast.AST) -> tuple[str, ...]:
    """The `python=` of `@nox.session(...)` (a version or a list of them; a name is not followed)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "session"
        ):
            continue
        for keyword in node.keywords:
            if keyword.arg not in {"python", "py"}:
                continue
            value = keyword.value
            items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            found |= {
                item.value
                for item in items
                if isinstance(item, ast.Constant)
                and isinstance(item.value, str)
                and re.fullmatch(r"3\.\d{1,2}", item.value)
            }
    return tuple(sorted(found, key=lambda v: int(v.split(".")[1])))


def read_pre_commit(path: Path) -> RunnerFacts | None:
    """The tool versions a .pre-commit-config.yaml pins through its hooks' `rev`."""
    text = path.read_text(encoding="utf-8", errors="replace")
    pins: dict[str, str] = {}
    for match in _PRE_COMMIT_REPO.finditer(text):
        tool = _PRE_COMMIT_HOOKS.get(match.group("repo").rstrip("/").rsplit("/", 1)[-1])
        rev = match.group("frozen") if _SHA.fullmatch(match.group("rev")) else match.group("rev")
        if tool and rev:  # a sha without its frozen tag names no version
            pins[tool] = rev.removeprefix("v")
    return RunnerFacts(kind="pre-commit", file=path.name, pins=pins)


RUNNER_FILES = {"noxfile.py": read_nox, ".pre-commit-config.yaml": read_pre_commit}
"""The runner files `shipyard init` reads at the project root besides tox's (read_tox_config)."""


def read_runners(root: Path) -> tuple[RunnerFacts, ...]:
    """Every runner configuration at `root` that could be read."""
    tox = read_tox_config(root)
    found: list[RunnerFacts] = [tox] if tox is not None else []
    for name, reader in RUNNER_FILES.items():
        path = root / name
        if path.is_file():
            facts = reader(path)
            if facts is not None:
                found.append(facts)
    return tuple(found)
