"""What `shipyard init` found that no `[tool.shipyard]` key changes: printed one line each, with the fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.init.service_needs import service_needs
from shipyard.init.table import chosen_compose, chosen_dockerfile
from shipyard.init.workflow import WORKFLOW_PATH

if TYPE_CHECKING:
    from shipyard.init.facts import ProjectFacts
    from shipyard.init.table import Key


def _pytest(facts: ProjectFacts, keys: tuple[Key, ...]) -> list[str]:
    installing = {k.name for k in keys if k.section == "test"} & {"requirements", "groups", "extras"}
    if installing or not facts.uv_lock or facts.installs("pytest") is not None:
        return []
    if any("pytest" in names for names in facts.groups.values()):
        return []  # a test leg installs the group that brings it (stages.install.groups_installed)
    return ["`uv sync --locked` installs no pytest: add it (uv add --dev pytest), then run init again"]


def _services(facts: ProjectFacts) -> list[str]:
    stack = chosen_compose(facts)
    return [
        (
            f"tests read {need.variable} and {stack.path if stack else 'compose'}'s {need.service} is "
            f"{need.kind.label}, but {need.unresolved}: init does not guess a credential; set "
            f'[tool.shipyard.test] env = {{ {need.variable} = "{need.template}" }} by hand'
        )
        for need in service_needs(facts.test_env_reads, stack)
        if need.value is None
    ]


def _images(facts: ProjectFacts) -> list[str]:
    notes: list[str] = []
    dockerfile = chosen_dockerfile(facts)
    others = [d for d in facts.dockerfiles if d != dockerfile]
    if dockerfile == "Dockerfile" and others:
        notes.append(f"the image is built from Dockerfile; {', '.join(others)} not (one image per project)")
    if dockerfile is not None and not facts.github_repository:
        notes.append(
            "no github.com `origin` remote: publish would push to ghcr.io/<project>; "
            "set [tool.shipyard.image] name = 'ghcr.io/<owner>/<image>' before publishing"
        )
    stack = chosen_compose(facts)
    if stack is not None:
        others = [f.path for f in facts.compose_files if f.path != stack.path]
        if others:
            notes.append(f"the compose stage tests {stack.path}; {', '.join(others)} not")
    return notes


def _pins(facts: ProjectFacts) -> list[str]:
    notes: list[str] = []
    lint_ruff = facts.ruff.split(" ", 1)[0] if facts.ruff else None
    for runner in facts.runners:
        pinned = runner.pins.get("ruff")
        if pinned and pinned != lint_ruff and runner.kind != "pre-commit":
            notes.append(
                f"{runner.file} pins ruff {pinned}, but lint reads pins only from uv.lock, requirements "
                f"files and .pre-commit-config.yaml and runs ruff {facts.ruff or 'of the tool image'}: "
                "pin it in one of those"
            )
    return notes


def notes_for(facts: ProjectFacts, keys: tuple[Key, ...]) -> tuple[str, ...]:
    """The notes for this project, in the order the stages run."""
    notes = [
        *_pytest(facts, keys),
        *_services(facts),
        *_pins(facts),
        *_images(facts),
    ]
    if facts.vcs_backend == "versioningit":
        notes.append(
            f"the version comes from git ({facts.vcs_backend}) and stages get no .git: "
            "set default-version in [tool.versioningit]"
        )
    if facts.workspace_members:
        notes.append(
            f"a uv workspace ({', '.join(facts.workspace_members)}): each member gets its own lint and "
            "tests (lint-<member>, test-<member>-<python>); `--package NAME` runs one member's"
        )
    existing = [w for w in facts.workflows if w != WORKFLOW_PATH]
    if existing:
        notes.append(
            f"existing workflows kept: {', '.join(existing)} (the pipeline itself is {WORKFLOW_PATH})"
        )
    return tuple(notes)
