"""Find and validate a project's shipyard configuration.

The table lives in `pyproject.toml` as `[tool.shipyard]`, or at the top level of a
`shipyard.toml` beside it. Every error names the file, the key and what is allowed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import ValidationError

from shipyard.config.models import END_OF_LIFE_PYTHONS, PYTHON_VERSIONS, ShipyardConfig
from shipyard.config.paths import checked_paths
from shipyard.config.workspace import LOCK, NOT_PACKAGES, PACKAGE_GLOBS, Member, Workspace, find_workspace
from shipyard.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
SHIPYARD_TOML = "shipyard.toml"


@dataclass(frozen=True)
class Project:
    """A project shipyard runs on: where it is, what it is called, and its validated config."""

    root: Path
    """Absolute path of the project directory."""
    name: str
    """`[project].name`, or the directory name when the table has none."""
    version: str
    """`[project].version`, or `0.0.0` when it is dynamic or missing."""
    config: ShipyardConfig
    config_file: Path
    """The file the config came from (pyproject.toml even when it has no table)."""
    pythons: tuple[str, ...]
    """The test matrix: the configured versions, or every supported one requires-python allows."""
    left_out: tuple[str, ...] = ()
    """End-of-life versions requires-python admits that the derived matrix leaves out (`shipyard
    plan` names them, with how to test them)."""
    workspace: Workspace | None = None
    """The uv workspace the project is the root or a member of."""
    member: Member | None = None
    """When this is a workspace member's project: which member (its stages are named by it)."""
    members: tuple[Project, ...] = ()
    """A workspace root's member projects (the root's own package not among them)."""
    focus: str | None = None
    """The member `--source` named, when it named one: the run is the workspace's, for that member."""
    virtual: bool = False
    """A workspace root with no `[project]` of its own: no lint, test or package stages of its own."""

    def path(self, relative: str) -> Path:
        """A path inside the project."""
        return self.root / relative

    @property
    def lock_root(self) -> Path:
        """Where the project's uv.lock is: the workspace root for a uv workspace's member."""
        return self.workspace.root if self.workspace is not None and self.workspace.locked else self.root

    @property
    def has_uv_lock(self) -> bool:
        """Whether the project is locked with uv."""
        return (self.lock_root / LOCK).is_file()

    @property
    def where(self) -> str:
        """The project's folder relative to the files' root: its member path, or `.`."""
        return self.member.path if self.member is not None else "."

    @property
    def has_dockerfile(self) -> bool:
        """Whether the image stages apply."""
        return (self.root / self.config.image.dockerfile).is_file()

    @property
    def has_compose(self) -> bool:
        """Whether the compose stage applies."""
        return (self.root / self.config.compose.file).is_file()

    @property
    def image_name(self) -> str:
        """The image repository the build stage tags."""
        return self.config.image.name or _image_name_from(self.name)


def _image_name_from(project_name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in project_name.lower())


def load_project(source: Path, *, texts: Mapping[Path, str] | None = None) -> Project:
    """Load and validate the project at `source`.

    A member of a uv workspace loads as the whole workspace, focused on that member (uv installs a
    member from the workspace root; its lock and its sibling members are part of what it reads).
    `texts`: pyproject.toml contents to read instead of the files (`shipyard init --dry-run`).
    """
    texts = texts or {}
    root = source.resolve()
    if not root.is_dir():
        raise ConfigError(f"{source} is not a directory", fix="pass --source with a project directory")
    workspace = find_workspace(root)
    if workspace is not None and workspace.root != root:
        member = workspace.at(root.relative_to(workspace.root).as_posix())
        return replace(_load(workspace.root, workspace, texts), focus=member.name if member else None)
    return _load(root, workspace, texts)


def projects_below(root: Path) -> list[str]:
    """Directories one or two levels under `root` that hold a pyproject.toml.

    Found as a directory of packages is (PACKAGE_GLOBS, NOT_PACKAGES), with or without `[project]`.
    """
    return sorted(
        {
            p.parent.relative_to(root).as_posix()
            for pattern in PACKAGE_GLOBS
            for p in root.glob(pattern)
            if not NOT_PACKAGES & set(p.relative_to(root).parts)
        }
    )


def missing_pyproject(root: Path, command: str) -> ConfigError:
    """The error for a directory without a pyproject.toml, naming the projects below it, if any."""
    below = projects_below(root)
    if len(below) == 1:
        fix = f"pass --source {root / below[0]} (it holds the project's {PYPROJECT})"
    elif below:
        fix = f"pass --source with one of: {', '.join(below[:5])}{' ...' if len(below) > 5 else ''}"  # noqa: PLR2004 - a few
    else:
        fix = f"run {command} in a Python project's root or pass --source DIR"
    return ConfigError(f"no {PYPROJECT} in {root}", fix=fix)


def _load(root: Path, workspace: Workspace | None, texts: Mapping[Path, str]) -> Project:
    pyproject = root / PYPROJECT
    if workspace is not None and not workspace.locked:
        return _load_directory(root, workspace, texts)
    if not pyproject.is_file():
        raise missing_pyproject(root, "shipyard")
    document = _read_toml(pyproject, texts)
    project_table = _table(document.get("project", {}), pyproject, "project")
    table, config_file = _shipyard_table(root, document, pyproject)
    config = checked_paths(root, _validate(table, config_file), config_file)
    pythons = _pythons_allowed(config.python, project_table.get("requires-python"), pyproject, config_file)
    name = project_table.get("name")
    version = project_table.get("version")
    project = Project(
        root=root,
        name=name if isinstance(name, str) else root.name,
        version=version if isinstance(version, str) else "0.0.0",
        config=config,
        config_file=config_file,
        pythons=pythons,
        left_out=left_out_pythons(config.python, project_table.get("requires-python"), pyproject),
    )
    if workspace is None:
        return project
    if not (root / LOCK).is_file():
        raise ConfigError(
            f"{root} is a uv workspace without {LOCK}: its members cannot be installed as locked",
            fix=f"run `uv lock` in {root} and commit {LOCK}",
        )
    members = tuple(_load_member(workspace, m, table, texts) for m in workspace.members if m.path != ".")
    return replace(
        project,
        workspace=workspace,
        members=members,
        virtual=workspace.virtual,
        member=workspace.at(".") if not workspace.virtual else None,
    )


def _load_directory(root: Path, workspace: Workspace, texts: Mapping[Path, str]) -> Project:
    """A directory of packages: the workspace's table in its shipyard.toml (if any), then each package."""
    standalone = root / SHIPYARD_TOML
    table = _read_toml(standalone, texts) if standalone.is_file() else {}
    config = checked_paths(root, _validate(table, standalone), standalone)
    project = Project(
        root=root,
        name=root.name,
        version="0.0.0",
        config=config,
        config_file=standalone,
        pythons=_pythons_allowed(config.python, None, root / PYPROJECT, standalone),
        workspace=workspace,
        virtual=True,
    )
    return replace(
        project, members=tuple(_load_member(workspace, m, table, texts) for m in workspace.members)
    )


MEMBER_KEYS = ("python", "python_image", "lint", "test", "tools", "compose")
"""What a workspace member's own table may set: its lint and tests (compose: the file its test
services come from). Images, scans, publishing and the tier are the workspace's, set at the root."""
INHERITED_KEYS = ("python", "python_image", "lint", "test", "tools")
"""What a member takes from the root's table when its own does not set it (by top-level key)."""


def _load_member(
    workspace: Workspace, member: Member, root_table: dict[str, Any], texts: Mapping[Path, str]
) -> Project:
    """A member's project: the root's lint/test keys with the member's own table over them (by key)."""
    root = workspace.root / member.path
    pyproject = root / PYPROJECT
    document = _read_toml(pyproject, texts)
    project_table = _table(document.get("project", {}), pyproject, "project")
    own, config_file = _shipyard_table(root, document, pyproject)
    foreign = [key for key in own if key not in MEMBER_KEYS]
    if foreign:
        prefix = "tool.shipyard." if config_file.name == PYPROJECT else ""
        raise ConfigError(
            f"{config_file}: {prefix}{foreign[0]} is set in a workspace member's table, where only "
            f"{', '.join(MEMBER_KEYS)} apply",
            fix=f"move {foreign[0]} to the workspace root's table ({workspace.root / PYPROJECT})",
        )
    inherited = {key: value for key, value in root_table.items() if key in INHERITED_KEYS}
    config = checked_paths(
        root, _validate({**inherited, **own}, config_file), config_file, up_to=workspace.root
    )
    version = project_table.get("version")
    return Project(
        root=root,
        name=member.name,
        version=version if isinstance(version, str) else "0.0.0",
        config=config,
        config_file=config_file,
        pythons=_pythons_allowed(config.python, project_table.get("requires-python"), pyproject, config_file),
        left_out=left_out_pythons(config.python, project_table.get("requires-python"), pyproject),
        workspace=workspace,
        member=member,
    )


def _read_toml(path: Path, texts: Mapping[Path, str] | None = None) -> dict[str, Any]:
    try:
        text = texts[path] if texts and path in texts else path.read_text(encoding="utf-8")
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", fix="correct the TOML syntax") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}", fix="check the file's permissions") from exc


def _table(value: object, path: Path, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table", fix=f"write it as a [{key}] table")
    return cast("dict[str, Any]", value)


def _shipyard_table(root: Path, document: dict[str, Any], pyproject: Path) -> tuple[dict[str, Any], Path]:
    in_pyproject = _table(document.get("tool", {}), pyproject, "tool").get("shipyard")
    standalone = root / SHIPYARD_TOML
    if standalone.is_file():
        if in_pyproject is not None:
            raise ConfigError(
                f"both {pyproject} [tool.shipyard] and {standalone} configure shipyard",
                fix=f"keep one: move the settings into {SHIPYARD_TOML} or delete it",
            )
        return _read_toml(standalone), standalone
    if in_pyproject is None:
        return {}, pyproject
    return _table(in_pyproject, pyproject, "tool.shipyard"), pyproject


def _validate(table: dict[str, Any], config_file: Path) -> ShipyardConfig:
    try:
        return ShipyardConfig.model_validate(table)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, config_file), fix=_fix_for(exc)) from exc


def _describe(exc: ValidationError, config_file: Path) -> str:
    prefix = "tool.shipyard" if config_file.name == PYPROJECT else ""
    problems: list[str] = []
    for error in exc.errors():
        key = ".".join([prefix, *(str(part) for part in error["loc"])]).strip(".")
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown key {key!r}")
        else:
            problems.append(f"{key}: {error['msg']}")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{config_file}: {problems[0]}{more}"


def _fix_for(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if first["type"] == "extra_forbidden":
        return "check the spelling; the keys are listed in docs/configuration.md"
    return "correct the value as the message says; see docs/configuration.md"


def default_pythons(requires_python: object, pyproject: Path) -> tuple[str, ...]:
    """The matrix with no `python` list: every current version requires-python admits.

    Raises the loader's ConfigError when it admits none, or only versions past their end of life.
    """
    return _pythons_allowed((), requires_python, pyproject, pyproject)


def _pythons_allowed(
    configured: tuple[str, ...], requires_python: object, pyproject: Path, config_file: Path
) -> tuple[str, ...]:
    """The test matrix: `configured` when requires-python admits each, else the current versions it admits."""
    spec = _requires_python(requires_python, pyproject)
    if configured:
        excluded = [version for version in configured if not _admits(spec, version)]
        if excluded:
            key = "tool.shipyard.python" if config_file.name == PYPROJECT else "python"
            raise ConfigError(
                f"{config_file}: {key} lists {', '.join(excluded)}, which requires-python "
                f"{requires_python!r} in {pyproject.name} excludes",
                fix=f"drop {', '.join(excluded)} from {key} or widen requires-python",
            )
        return configured
    current = tuple(v for v in PYTHON_VERSIONS if v not in END_OF_LIFE_PYTHONS and _admits(spec, v))
    if current:
        return current
    ended = [v for v in END_OF_LIFE_PYTHONS if _admits(spec, v)]
    if ended:
        listed = ", ".join(f'"{v}"' for v in ended)
        raise ConfigError(
            f"{pyproject}: requires-python {requires_python!r} admits only {', '.join(ended)} (end of life)",
            fix=f"to test on it anyway, set [tool.shipyard] python = [{listed}]",
        )
    raise ConfigError(
        f"{pyproject}: requires-python {requires_python!r} allows none of {', '.join(PYTHON_VERSIONS)}",
        fix="widen requires-python to admit one of them",
    )


def left_out_pythons(
    configured: tuple[str, ...], requires_python: object, pyproject: Path
) -> tuple[str, ...]:
    """The end-of-life versions requires-python admits, when the matrix is derived (none configured)."""
    if configured:
        return ()
    spec = _requires_python(requires_python, pyproject)
    return tuple(v for v in END_OF_LIFE_PYTHONS if _admits(spec, v))


def _requires_python(value: object, pyproject: Path) -> SpecifierSet | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{pyproject}: project.requires-python must be a string", fix="e.g. '>=3.11'")
    try:
        return SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise ConfigError(
            f"{pyproject}: project.requires-python {value!r} is not a version specifier",
            fix="use a PEP 440 specifier such as '>=3.11'",
        ) from exc


def _admits(spec: SpecifierSet | None, version: str) -> bool:
    """Whether `spec` admits some release of `version` (3.14 for '>=3.14.2', but not for '<3.14')."""
    return spec is None or any(spec.contains(f"{version}.{patch}") for patch in range(30))
