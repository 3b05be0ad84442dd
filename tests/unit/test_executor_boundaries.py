"""Executors observe and translate; the core decides. Checked on the source, by import and by pattern.

- The core (everything but the CLI front end, the bootstrap and the executors) never imports an
  executor: executors import the core's publish and compose models, never the other way.
- An executor module imports no gate, verdict or tag rule of the core, and compares no status.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "shipyard"
EXECUTORS = [
    *sorted((SRC / "docker").glob("*.py")),
    *sorted((REPO / "ci" / "src" / "shipyard_ci").glob("*.py")),
]
FRONT_ENDS = {"cli", "bootstrap", "docker", "serve"}
"""Packages that may construct an executor (the CLI) or are no part of the graph."""
CORE = [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] not in FRONT_ENDS]
DECISIONS = (
    "shipyard.gates",
    "shipyard.stages.result",
    "shipyard.stages.verdicts",
    "shipyard.oci.tags",
    "shipyard.publish.tags",
)
"""Core modules whose rules only the core applies (pass/fail, statuses, which tags, tag moves)."""
ASKS_THE_CORE = {"shipyard.stages.compose": {"setup_error"}}
"""Core decisions an executor may consult (and must obey) while it runs: whether a stack can be tried."""
COMPARED_STATUS = re.compile(r"\bstatus\b\s*(==|!=|//|<=|>=|<|>|in\b)")


def imports(path: Path) -> set[str]:
    """Imported modules, except imports of only the names in ASKS_THE_CORE."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if {a.name for a in node.names} <= ASKS_THE_CORE.get(node.module, set()):
                continue
            found.add(node.module)
    return found


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", CORE, ids=rel)
def test_the_core_never_imports_an_executor(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith(("shipyard.docker", "shipyard_ci", "docker", "dagger"))}
    assert not bad, f"{rel(path)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", EXECUTORS, ids=rel)
def test_an_executor_applies_no_rule_of_the_core(path: Path) -> None:
    bad = {m for m in imports(path) if m.startswith(DECISIONS) or ".evaluate_" in m}
    assert not bad, f"{rel(path)} imports the core's decisions {sorted(bad)}"
    text = path.read_text(encoding="utf-8")
    assert not COMPARED_STATUS.search(text), f"{rel(path)} compares a status: the core judges statuses"
    assert "Status." not in text, f"{rel(path)} names a stage status: only evaluate functions do"


def test_the_lists_are_not_empty() -> None:
    assert len(EXECUTORS) >= 10
    assert len(CORE) >= 40
