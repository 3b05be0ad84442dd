"""The smallest `[tool.shipyard]` table for a project: only keys whose default would judge it wrongly.

Each key comes with the one-line reason it is needed, written above it as a comment. What no key
can fix (a pytest the install never gets, a second Dockerfile) is a note `shipyard init` prints.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import tomlkit
from pydantic import BaseModel, ConfigDict

from shipyard.config.load import PYPROJECT
from shipyard.config.models import BENCH_DIR, COMPOSE_FILE_NAMES, BenchConfig, ShipyardConfig
from shipyard.config.paths import checked_paths
from shipyard.init.service_needs import service_needs
from shipyard.stages.install import derived_test_groups

if TYPE_CHECKING:
    from pathlib import Path

    from tomlkit import TOMLDocument
    from tomlkit.items import Table

    from shipyard.init.compose_scan import ComposeFile
    from shipyard.init.facts import ProjectFacts
    from shipyard.init.runners import RunnerFacts

Value = str | float | tuple[str, ...] | dict[str, str]
SECTIONS = ("", "test", "bench", "image", "compose")
"""Where keys go, in the order they are written: the top level first."""
SERVICE_MARKERS = frozenset(
    {
        "integration",
        "e2e",
        "end_to_end",
        "docker",
        "db",
        "database",
        "postgres",
        "mysql",
        "redis",
        "services",
        "system",
        "live",
        "network",
    }
)
"""pytest markers that, by name, select tests needing services a test container does not have."""
SIDE_NAMES = re.compile(r"dev|test|debug|local|ci\b|override", re.IGNORECASE)
"""Dockerfile and compose file names that are not the project's main image or stack."""
HEADER = "shipyard init: only the keys whose default would be wrong here (every key: docs/configuration.md)"
DEFAULTS_FIT = "the defaults fit this project: nothing to set"


class Key(BaseModel):
    """One key of the table and why it is needed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    section: str
    """`""` for the top level, else `test`, `bench`, `image`, `compose`."""
    name: str
    value: Value
    reason: str

    @property
    def dotted(self) -> str:
        """`test.markers`."""
        return f"{self.section}.{self.name}" if self.section else self.name


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _python(facts: ProjectFacts) -> list[Key]:
    if facts.matrix:
        return _runner_pythons(facts)
    if not facts.end_of_life_only:
        return []
    return [
        Key(
            section="",
            name="python",
            value=facts.end_of_life_only,
            reason=f"requires-python {facts.requires_python!r} admits only "
            f"{_listed(facts.end_of_life_only)}, past end of life: never derived, so listed",
        )
    ]


def _runner_pythons(facts: ProjectFacts) -> list[Key]:
    """The derived matrix plus the end-of-life versions the project's own tox or nox still tests.

    The default leaves a version past its end of life out even where requires-python admits it;
    a project whose runner tests it keeps testing it, once listed.
    """
    for runner in facts.runners:
        kept = tuple(v for v in runner.pythons if v in facts.end_of_life_admitted and v not in facts.matrix)
        if kept:
            value = tuple(sorted({*facts.matrix, *kept}, key=lambda v: int(v.split(".")[1])))
            reason = (
                f"{runner.file} tests {_listed(kept)}, past end of life: never derived from "
                f"requires-python {facts.requires_python!r}, so listed with the current ones"
            )
            return [Key(section="", name="python", value=value, reason=reason)]
    return []


def _pytest_extra(facts: ProjectFacts) -> str | None:
    return next((extra for extra, names in facts.extras.items() if "pytest" in names), None)


def _pip_keys(facts: ProjectFacts, runners: list[RunnerFacts]) -> list[Key]:
    """The requirements and constraints of a project pip installs (no uv.lock)."""
    keys: list[Key] = []
    runner = next((r for r in runners if r.requirement_files), None)
    if runner is not None:
        requirements = tuple(f for f in runner.requirement_files if (facts.root / f).is_file())
        why = (
            f"{runner.file} installs the tests from {_listed(requirements)} (else pip gets . and pytest only)"
        )
    else:
        requirements = facts.pytest_requirement_files[:1]
        why = f"pytest and the test dependencies come from {_listed(requirements)} (no uv.lock: pip installs)"
    if requirements:
        keys.append(Key(section="test", name="requirements", value=requirements, reason=why))
    constraints = next((r.constraints for r in runners if r.constraints), None) or facts.constraints
    if constraints and (facts.root / constraints).is_file():
        reason = "the project pins its installs with it"
        keys.append(Key(section="test", name="constraints", value=constraints, reason=reason))
    return keys


def _install(facts: ProjectFacts) -> list[Key]:
    runners = [r for r in facts.runners if r.kind in {"tox", "nox"}]
    keys = [] if facts.uv_lock else _pip_keys(facts, runners)
    extras = tuple(dict.fromkeys(e for r in runners for e in r.extras if e in facts.extras))
    why_extras = next((f"{r.file} installs .[{_listed(r.extras)}]" for r in runners if r.extras), "")
    if not keys and facts.installs("pytest") is None:
        group = next(
            (g for g, names in facts.groups.items() if "pytest" in names and g not in facts.default_groups),
            None,
        )
        pytest_extra = _pytest_extra(facts)
        if facts.uv_lock and group is not None:
            reason = f"pytest is in the group {group!r}, which uv sync does not install by default"
            keys.append(Key(section="test", name="groups", value=(group,), reason=reason))
        elif pytest_extra is not None and pytest_extra not in extras:
            extras = (*extras, pytest_extra)
            why_extras = why_extras or f"pytest comes only with the {pytest_extra!r} extra"
    if extras:
        keys.append(Key(section="test", name="extras", value=extras, reason=why_extras))
    if not any(k.name == "groups" for k in keys):
        keys += _runner_groups(facts, runners)
    return keys


def _installed_groups(facts: ProjectFacts) -> set[str]:
    """The dependency groups shipyard's default install gets: uv's defaults and the derived group.

    The derived one is stages.install's rule; facts.groups holds names, which parse as themselves.
    """
    uv_defaults = facts.default_groups if facts.uv_lock else None
    return {*(uv_defaults or ()), *derived_test_groups(facts.groups, uv_defaults)}


def _runner_groups(facts: ProjectFacts, runners: list[RunnerFacts]) -> list[Key]:
    """The groups the project's own tox installs for its tests, when the default install lacks one.

    django-rest-framework's tox installs `test` and `optional`; the default, the group with
    pytest alone, skipped the 89 tests of the optional integrations.
    """
    for runner in runners:
        groups = tuple(g for g in runner.groups if g in facts.groups)
        missing = [g for g in groups if g not in _installed_groups(facts)]
        if missing:
            reason = f"{runner.file} installs the groups {_listed(groups)} for its tests"
            return [Key(section="test", name="groups", value=groups, reason=reason)]
    return []


def _services(facts: ProjectFacts) -> list[Key]:
    """The compose services the tests reach through the variables they read, and those variables."""
    stack = chosen_compose(facts)
    needs = service_needs(facts.test_env_reads, stack)
    if stack is None or not needs:
        return []
    services = tuple(dict.fromkeys(n.service for n in needs))
    read = _listed(tuple(n.variable for n in needs))
    kinds = ", ".join(f"{s} is {next(n.kind.label for n in needs if n.service == s)}" for s in services)
    keys = [
        Key(
            section="test",
            name="services",
            value=services,
            reason=f"tests read {read}; {stack.path}'s {kinds}: started healthy before them",
        )
    ]
    env = {n.variable: n.value for n in needs if n.value is not None}
    if env:
        reason = f"the tests reach {_listed(services)} by name, with the credentials {stack.path} gives it"
        keys.append(Key(section="test", name="env", value=env, reason=reason))
    return keys


def _markers(facts: ProjectFacts) -> list[Key]:
    if "-m" in facts.pytest_addopts:
        return []
    runner = next((r for r in facts.runners if r.markers), None)
    if runner is not None:
        return [
            Key(
                section="test",
                name="markers",
                value=runner.markers or "",
                reason=f"{runner.file} runs pytest -m {runner.markers!r}",
            )
        ]
    needing = tuple(m for m in facts.pytest_markers if m.lower() in SERVICE_MARKERS)
    if not needing or service_needs(facts.test_env_reads, chosen_compose(facts)):
        return []  # with their services started, the marked tests run
    services = tuple(s.name for f in facts.compose_files for s in f.pulled)
    beside = f" (the compose stack's {_listed(services)})" if services else ""
    return [
        Key(
            section="test",
            name="markers",
            value=" and ".join(f"not {m}" for m in needing),
            reason=f"tests marked {_listed(needing)} need services{beside} a test container does not have",
        )
    ]


def default_coverage_source(facts: ProjectFacts) -> str | None:
    """What coverage measures by default (stages.test.coverage_sources), or None when it finds nothing."""
    package = facts.name.replace("-", "_").lower()
    return next((c for c in (f"src/{package}", package) if (facts.root / c).is_dir()), None)


def _coverage(facts: ProjectFacts) -> list[Key]:
    keys: list[Key] = []
    if default_coverage_source(facts) is None:
        packages = facts.packages  # a workspace's members measure their own (init.members)
        if packages:
            keys.append(
                Key(
                    section="test",
                    name="coverage_source",
                    value=packages,
                    reason=f"the import package is not named after the project ({facts.name!r})",
                )
            )
    if facts.coverage_fail_under:
        floor = facts.coverage_fail_under
        keys.append(
            Key(
                section="test",
                name="coverage_floor",
                value=floor,
                reason=f"the project's own coverage floor ({floor:g} %, coverage's fail_under)",
            )
        )
    return keys


def chosen_dockerfile(facts: ProjectFacts) -> str | None:
    """The image's Dockerfile: `Dockerfile`, else the one compose builds, else the main-looking one."""
    if "Dockerfile" in facts.dockerfiles:
        return "Dockerfile"
    hinted = [s.dockerfile for f in facts.compose_files for s in f.built if s.dockerfile]
    for hint in hinted:
        if hint and hint.removeprefix("./") in facts.dockerfiles:
            return hint.removeprefix("./")
    main = [d for d in facts.dockerfiles if not SIDE_NAMES.search(d.rsplit("/", 1)[-1])]
    return (main or list(facts.dockerfiles) or [None])[0]


def _image(facts: ProjectFacts) -> list[Key]:
    dockerfile = chosen_dockerfile(facts)
    if dockerfile is None:
        return []
    keys: list[Key] = []
    if dockerfile != "Dockerfile":
        others = tuple(d for d in facts.dockerfiles if d != dockerfile)
        also = f"; {_listed(others)} not built" if others else ""
        keys.append(
            Key(
                section="image",
                name="dockerfile",
                value=dockerfile,
                reason=f"no Dockerfile at the root: the image is {dockerfile}{also}",
            )
        )
    if facts.github_repository:
        owner = facts.github_repository.split("/", 1)[0].lower()
        image = re.sub(r"[^a-z0-9._-]", "-", facts.name.lower())
        keys.append(
            Key(
                section="image",
                name="name",
                value=f"ghcr.io/{owner}/{image}",
                reason=f"publish pushes under your account; the default would be ghcr.io/{image}",
            )
        )
    return keys


def chosen_compose(facts: ProjectFacts) -> ComposeFile | None:
    """The stack the compose stage tests: docker compose's own default, else the main-looking file."""
    for name in COMPOSE_FILE_NAMES:
        found = next((f for f in facts.compose_files if f.path == name), None)
        if found is not None:
            return found
    main = [f for f in facts.compose_files if not SIDE_NAMES.search(f.path.rsplit("/", 1)[-1])]
    return (main or list(facts.compose_files) or [None])[0]


def _compose(facts: ProjectFacts) -> list[Key]:
    stack = chosen_compose(facts)
    if stack is None:
        return []
    keys: list[Key] = []
    if stack.path not in COMPOSE_FILE_NAMES:
        keys.append(
            Key(
                section="compose",
                name="file",
                value=stack.path,
                reason=f"docker compose's default names are not at the root: the stack is {stack.path}",
            )
        )
    dockerfile = chosen_dockerfile(facts)
    built = stack.built
    if dockerfile is not None and built:
        service = next(
            (s for s in built if (s.dockerfile or "Dockerfile").removeprefix("./") == dockerfile), built[0]
        )
        keys.append(
            Key(
                section="compose",
                name="service",
                value=service.name,
                reason=f"compose would build {service.name!r} itself; the stage runs the image just built",
            )
        )
    return keys


def _bench(facts: ProjectFacts) -> list[Key]:
    """A bench table when the project keeps benchmarks where the bench stage looks (benchmarks/)."""
    if not any((facts.root / BENCH_DIR).glob("test_*.py")):
        return []
    reason = (
        f"{BENCH_DIR}/ holds benchmarks: the bench stage runs them with pytest-benchmark and fails a "
        "median slower than the baseline branch's by more than this"
    )
    return [Key(section="bench", name="threshold", value=BenchConfig().threshold, reason=reason)]


def minimal_keys(facts: ProjectFacts) -> tuple[Key, ...]:
    """The keys the project needs, in table order, each with its reason."""
    keys = [
        *_python(facts),
        *_install(facts),
        *_services(facts),
        *_markers(facts),
        *_coverage(facts),
        *_bench(facts),
        *_image(facts),
        *_compose(facts),
    ]
    return tuple(sorted(keys, key=lambda k: SECTIONS.index(k.section)))


def as_mapping(keys: tuple[Key, ...]) -> dict[str, object]:
    """The keys as the nested table tomllib would read back."""
    table: dict[str, object] = {}
    for key in keys:
        value = list(key.value) if isinstance(key.value, tuple) else key.value
        if key.section:
            section = table.setdefault(key.section, {})
            assert isinstance(section, dict)  # noqa: S101 - sections hold tables only
            section[key.name] = value  # pyright: ignore[reportUnknownMemberType]
        else:
            table[key.name] = value
    return table


def validated(facts: ProjectFacts, keys: tuple[Key, ...], config_file: Path) -> ShipyardConfig:
    """The keys through the loader's own model and path checks (a ConfigError names what is wrong)."""
    return checked_paths(facts.root, ShipyardConfig.model_validate(as_mapping(keys)), config_file)


def _toml_value(value: Value) -> object:
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update(value)
        return table
    if isinstance(value, tuple):
        array = tomlkit.array()
        array.extend(value)
        return array
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def render(keys: tuple[Key, ...], *, standalone: bool) -> str:
    """The table as TOML: `[tool.shipyard]` for pyproject.toml, top-level keys for shipyard.toml."""
    document = tomlkit.document()
    top: TOMLDocument | Table = document if standalone else tomlkit.table()
    top.add(tomlkit.comment(HEADER))
    if not keys:
        top.add(tomlkit.comment(DEFAULTS_FIT))
    sections: dict[str, Table] = {}
    for key in keys:
        if key.section and key.section not in sections:
            sections[key.section] = tomlkit.table()
            top.add(key.section, sections[key.section])
        into = sections[key.section] if key.section else top
        into.add(tomlkit.comment(key.reason))
        into.add(key.name, _toml_value(key.value))
    if not standalone:
        tool = tomlkit.table(is_super_table=True)
        tool.add("shipyard", top)
        document.add("tool", tool)
    return tomlkit.dumps(document)


def config_file_name(*, standalone: bool) -> str:
    """Where the table goes."""
    return "shipyard.toml" if standalone else PYPROJECT
