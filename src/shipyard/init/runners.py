"""What a project's own test runners say: tox.ini, noxfile.py and .pre-commit-config.yaml.

They tell `shipyard init` how the project installs its tests (requirement files, constraints,
extras), which pytest `-m` expression it runs, and which tool versions it pins. Each reader
takes the text as it is and never runs the tool.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

RunnerKind = Literal["tox", "nox", "pre-commit"]
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>[\w.+!-]+)\s*(?:;.*)?$")
_PRE_COMMIT_REPO = re.compile(
    r"-\s*repo:\s*['\"]?(?P<repo>\S+?)['\"]?\s*\n\s*rev:\s*['\"]?(?P<rev>[^\s'\"]+)['\"]?"
)
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


def _facts(kind: RunnerKind, file: str, install: dict[str, list[str]], markers: str | None) -> RunnerFacts:
    return RunnerFacts(
        kind=kind,
        file=file,
        requirement_files=tuple(dict.fromkeys(install["requirements"])),
        constraints=install["constraints"][0] if install["constraints"] else None,
        extras=tuple(dict.fromkeys(install["extras"])),
        markers=markers,
        pins=_pins(install["pins"]),
    )


def _ini_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def read_tox(path: Path) -> RunnerFacts | None:
    """The test environments of a tox.ini, merged (None when it has none or cannot be read)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error:
        return None
    sections = [s for s in parser.sections() if s == "testenv" or s.startswith("testenv:")]
    if not sections:
        return None
    deps: list[str] = []
    extras: list[str] = []
    markers: str | None = None
    for section in sections:
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
    return _facts("tox", path.name, install, markers)


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
    return _facts("nox", path.name, install, markers)


def read_pre_commit(path: Path) -> RunnerFacts | None:
    """The tool versions a .pre-commit-config.yaml pins through its hooks' `rev`."""
    text = path.read_text(encoding="utf-8", errors="replace")
    pins: dict[str, str] = {}
    for match in _PRE_COMMIT_REPO.finditer(text):
        tool = _PRE_COMMIT_HOOKS.get(match.group("repo").rstrip("/").rsplit("/", 1)[-1])
        if tool:
            pins[tool] = match.group("rev").removeprefix("v")
    return RunnerFacts(kind="pre-commit", file=path.name, pins=pins)


RUNNER_FILES = {"tox.ini": read_tox, "noxfile.py": read_nox, ".pre-commit-config.yaml": read_pre_commit}
"""The runner files `shipyard init` reads, at the project root, and their readers."""


def read_runners(root: Path) -> tuple[RunnerFacts, ...]:
    """Every runner configuration at `root` that could be read."""
    found: list[RunnerFacts] = []
    for name, reader in RUNNER_FILES.items():
        path = root / name
        if path.is_file():
            facts = reader(path)
            if facts is not None:
                found.append(facts)
    return tuple(found)
