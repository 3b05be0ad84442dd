"""The pipeline graph of a project: every stage that exists, and the selection a run executes.

Selecting by tier, by stage name and by Python version/platform always pulls in what the
selected stages need, so a plan is closed under dependencies and topologically ordered.
"""

from __future__ import annotations

import platform as host
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shipyard.config.models import STAGE_GROUPS, TIERS
from shipyard.errors import ConfigError
from shipyard.stages.bench import BENCH_ID, bench_stage
from shipyard.stages.build import build_stage, build_stage_id
from shipyard.stages.compose import compose_stage
from shipyard.stages.lint import lint_stage
from shipyard.stages.package import PACKAGE_ID, package_stage
from shipyard.stages.package_smoke import smoke_stage, smoke_stage_id
from shipyard.stages.publish import publish_stage
from shipyard.stages.publish_package import PUBLISH_PACKAGE_ID, publish_package_stage
from shipyard.stages.sbom import sbom_stage
from shipyard.stages.scan import history_stage, image_stage, source_stage
from shipyard.stages.test import test_stage, test_stage_id
from shipyard.stages.workspace import PACKAGE_PARAM, in_workspace, member_stage_id

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping, Sequence

    from shipyard.config.load import Project
    from shipyard.config.models import Tier
    from shipyard.gitinfo import GitInfo
    from shipyard.plan.version import ProjectVersion
    from shipyard.stages.spec import Stage

GROUPS: tuple[str, ...] = STAGE_GROUPS
"""Stage groups in the order they are shown."""
PUBLISH_IDS: tuple[str, ...] = ("publish", PUBLISH_PACKAGE_ID)
"""The stages that publish: planned after every gate of the full tier, never part of all_stages."""


def host_platform() -> str:
    """The engine platform images are built for natively (the others are emulated)."""
    machine = host.machine().lower()
    return "linux/arm64" if machine in {"aarch64", "arm64"} else "linux/amd64"


@dataclass(frozen=True)
class PlanContext:
    """Facts a plan depends on besides the project's files."""

    git: GitInfo
    today: dt.date
    host_platform: str
    tags: tuple[str, ...] = ()
    """Tags publish would push (computed from git by the caller)."""
    version: ProjectVersion | None = None
    """The version stages that install the project build it as (plan.version, by the caller)."""


@dataclass(frozen=True)
class Plan:
    """Stages to run, dependencies first."""

    stages: tuple[Stage, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Stage ids in execution order."""
        return tuple(stage.id for stage in self.stages)

    def get(self, stage_id: str) -> Stage:
        """The stage with that id."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    def layers(self) -> tuple[tuple[str, ...], ...]:
        """Stages grouped into waves: each wave needs only stages of earlier waves."""
        depth: dict[str, int] = {}
        for stage in self.stages:
            depth[stage.id] = 1 + max((depth[n] for n in stage.needs), default=-1)
        return tuple(
            tuple(s.id for s in self.stages if depth[s.id] == level)
            for level in range(max(depth.values(), default=-1) + 1)
        )

    def without(self, names: Iterable[str]) -> Plan:
        """The plan minus the named stages or groups and everything that needs them."""
        names = tuple(names)
        known = {*GROUPS, *self.ids}
        unknown = [n for n in names if n not in known and not n.startswith(("test-", "build-", "package-"))]
        if unknown:
            raise ConfigError(
                f"--skip {unknown[0]!r} names no stage", fix=f"name one of: {', '.join(sorted(known))}"
            )
        dropped = {s.id for s in self.stages if s.id in names or s.group in names}
        for stage in self.stages:
            if any(n in dropped for n in stage.needs):
                dropped.add(stage.id)
        return Plan(stages=tuple(s for s in self.stages if s.id not in dropped))


def python_projects(project: Project) -> tuple[Project, ...]:
    """The projects with lint and test stages: the root (unless a virtual workspace root), its members."""
    return (*(() if project.virtual else (project,)), *project.members)


def _python_stages(project: Project, context: PlanContext) -> list[Stage]:
    """Lint and the test matrix of one project (a workspace member's placed in its workspace)."""
    version = context.version if project.member is None or project.member.path == "." else None
    stages = [lint_stage(project), *(test_stage(project, v, version) for v in project.pythons)]
    if project.member is None or project.member.path == ".":
        package = package_stage(project, context.git, context.version)
        stages.append(package)
        stages += [smoke_stage(project, v, not_applicable=package.not_applicable) for v in project.pythons]
    return [in_workspace(stage, project) for stage in stages]


def all_stages(project: Project, context: PlanContext) -> dict[str, Stage]:
    """Every stage the project has (without publish, which depends on the selection)."""
    platforms = tuple(dict.fromkeys((context.host_platform, *project.config.image.platforms)))
    stages: list[Stage] = [s for p in python_projects(project) for s in _python_stages(p, context)]
    stages.append(bench_stage(project))
    stages += [build_stage(project, p, context.git) for p in platforms]
    stages += [
        sbom_stage(project, context.host_platform),
        history_stage(project, context.today, context.git),
        source_stage(project, context.today),
        image_stage(project, context.host_platform, context.today),
        compose_stage(project, context.host_platform),
    ]
    return {stage.id: _budgeted(stage, project) for stage in stages}


def _budgeted(stage: Stage, project: Project) -> Stage:
    """`stage` with its group's `[tool.shipyard.budgets]` entry, when it has one."""
    budget = project.config.budget_seconds(stage.group)
    return stage if budget is None else replace(stage, budget=budget)


def _named(stage_id: str, project: Project) -> str:
    """A stage id of `project` as the plan knows it (named by the member in a workspace)."""
    member = project.member
    return member_stage_id(stage_id, project.name) if member is not None and member.path != "." else stage_id


def tier_named(value: str) -> Tier:
    """A tier by name; any other name is a ConfigError naming the valid ones."""
    for tier in TIERS:
        if value == tier:
            return tier
    raise ConfigError(f"unknown tier {value!r}", fix=f"use one of: {', '.join(TIERS)}")


def _tier_ids(project: Project, tier: Tier) -> list[str]:
    ids: list[str] = []
    for each in python_projects(project):
        ids += [_named("lint", each), _named(test_stage_id(each.pythons[-1]), each)]
        if tier in {"extended", "full"}:
            ids += [_named(test_stage_id(v), each) for v in each.pythons]
            if each.member is None or each.member.path == ".":
                ids += [PACKAGE_ID, *(smoke_stage_id(v) for v in each.pythons)]
    if tier in {"extended", "full"}:
        if project.config.bench is not None:
            ids.append(BENCH_ID)
        ids += ["sbom", "scan-history", "scan-source", "scan-image"]
    if tier == "full":
        ids += [build_stage_id(p) for p in project.config.image.platforms]
        ids += ["compose", "publish"]
        if project.config.publish.index:
            ids.append(PUBLISH_PACKAGE_ID)
    return list(dict.fromkeys(ids))


def _resolve_names(names: Iterable[str], stages: dict[str, Stage]) -> list[str]:
    chosen: list[str] = []
    for name in names:
        # a group's name selects the whole group (`package`: the build and every smoke leg)
        group = [s.id for s in stages.values() if s.group == name]
        if name in PUBLISH_IDS or (name in stages and not group):
            chosen.append(name)
            continue
        if not group:
            known = ", ".join((*GROUPS, *(s for s in stages if s not in GROUPS)))
            raise ConfigError(f"unknown stage {name!r}", fix=f"name one of: {known}")
        chosen += group
    return chosen


def _closure(wanted: Iterable[str], stages: dict[str, Stage]) -> set[str]:
    closed: set[str] = set()
    todo = list(wanted)
    while todo:
        current = todo.pop()
        if current in closed:
            continue
        closed.add(current)
        todo += stages[current].needs
    return closed


def build_plan(
    project: Project,
    context: PlanContext,
    *,
    tier: Tier | None = None,
    names: Sequence[str] = (),
    pythons: Sequence[str] = (),
    platforms: Sequence[str] = (),
    packages: Sequence[str] = (),
) -> Plan:
    """Select the stages of one run: named ones (and what they need), or a tier's.

    `packages`: in a uv workspace, only these members' lint and test stages (the workspace's own
    stages, images and scans, stay as selected); `--source` on a member selects it by default.
    """
    if tier is not None:
        tier = tier_named(tier)
    stages = all_stages(project, context)
    matrix = sorted({v for each in python_projects(project) for v in each.pythons}, key=_version_key)
    for version in pythons:
        if version not in matrix:
            raise ConfigError(
                f"Python {version} is not in this project's matrix ({', '.join(matrix)})",
                fix="pick one of those or add it to [tool.shipyard] python",
            )
    for platform in platforms:
        if build_stage_id(platform) not in stages:
            raise ConfigError(f"unsupported platform {platform!r}", fix="use linux/amd64 or linux/arm64")
    wanted = _resolve_names(names, stages) if names else _tier_ids(project, tier or project.config.tier)
    wanted = _only_pythons(wanted, pythons, stages)
    wanted = _only_packages(wanted, _packages(project, packages), stages)
    if platforms:
        wanted = [w for w in wanted if not w.startswith("build-")] + [build_stage_id(p) for p in platforms]
    publishing = [w for w in PUBLISH_IDS if w in wanted]
    if publishing:
        # publishing runs only after every gate of the full pipeline passed
        wanted += [w for w in _tier_ids(project, "full") if w not in PUBLISH_IDS]
    chosen = _closure((w for w in wanted if w not in PUBLISH_IDS), stages)
    ordered = [stages[i] for i in _topological(stages, chosen)]
    return Plan(stages=(*ordered, *_publish_stages(project, context, stages, ordered, publishing)))


def _publish_stages(
    project: Project, context: PlanContext, stages: dict[str, Stage], gates: list[Stage], wanted: list[str]
) -> list[Stage]:
    """The publish stages `wanted` names, each needing every gate; and the builds image publish pushes."""
    needs = tuple(s.id for s in gates)
    added: list[Stage] = []
    if PUBLISH_PACKAGE_ID in wanted:
        added.append(_budgeted(publish_package_stage(project, needs), project))
    if "publish" in wanted:
        built = tuple(p for p in project.config.image.platforms)
        added += [stages[build_stage_id(p)] for p in built if build_stage_id(p) not in needs]
        added.append(_budgeted(publish_stage(project, built, context.tags, needs, git=context.git), project))
    return added


def _only_pythons(wanted: list[str], pythons: Sequence[str], stages: Mapping[str, Stage]) -> list[str]:
    """The selection with its per-Python legs (`test-`, `package-smoke-`) narrowed to `pythons`.

    A leg is a stage with a `python` param; its family is its id without the version. Each family
    the selection holds is replaced by that family's legs of the given versions.
    """
    if not pythons:
        return wanted

    def family(stage_id: str) -> str | None:
        stage = stages.get(stage_id)  # publish stages are planned apart (_publish_stages)
        version = stage.params.get("python") if stage is not None else None
        return stage_id.removesuffix(f"-{version}") if version else None

    families = {family(w) for w in wanted} - {None}
    legs = [sid for sid in stages if family(sid) in families and stages[sid].params["python"] in pythons]
    return [w for w in wanted if family(w) is None] + legs


def _packages(project: Project, packages: Sequence[str]) -> tuple[str, ...]:
    """The members selected by name (checked), or the one `--source` pointed at."""
    if not packages:
        return (project.focus,) if project.focus else ()
    workspace = project.workspace
    known = [m.name for m in workspace.members] if workspace else []
    for name in packages:
        if workspace is None or workspace.named(name) is None:
            where = f"this workspace's members are {', '.join(known)}" if known else "this is no uv workspace"
            raise ConfigError(f"--package {name!r} names no workspace member: {where}", fix="name a member")
    return tuple(m.name for m in workspace.members if m.name in packages) if workspace else ()


def _only_packages(wanted: list[str], packages: tuple[str, ...], stages: Mapping[str, Stage]) -> list[str]:
    """The selection without the lint and test stages of members other than `packages`."""
    if not packages:
        return wanted
    return [
        w for w in wanted if w not in stages or stages[w].params.get(PACKAGE_PARAM, packages[0]) in packages
    ]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _topological(stages: dict[str, Stage], chosen: set[str]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()
    pending = [sid for sid in stages if sid in chosen]
    while pending:
        progressed = False
        for sid in list(pending):
            if all(n in placed for n in stages[sid].needs):
                order.append(sid)
                placed.add(sid)
                pending.remove(sid)
                progressed = True
        if not progressed:
            msg = f"dependency cycle among {', '.join(pending)}"
            raise AssertionError(msg)
    return order
