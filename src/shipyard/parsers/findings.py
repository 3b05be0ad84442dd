"""The one shape every tool's problems are reduced to, for gates and SARIF alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shipyard.config.models import Severity  # noqa: TC001 - a field type the stage cache resolves at runtime

FindingKind = Literal["vulnerability", "misconfiguration", "secret", "lint", "test"]
"""What sort of problem a finding is; secrets are counted by the scan gate whatever their severity."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem reported by one tool, with no raw secret value in any field."""

    tool: str
    """The tool that reported it, lower case: `trivy`, `gitleaks`, `ruff`, `pytest`."""
    id: str
    """The tool's identifier: a CVE/GHSA id, a check id (DS002), a secret rule id, a ruff code."""
    severity: Severity
    """One of SEVERITIES; tools without severities get a documented fixed one."""
    title: str
    """One line saying what is wrong."""
    location: str
    """`path:line` for source findings, `package@version` for vulnerabilities."""
    kind: FindingKind
    """What sort of problem this is."""
    fixed_version: str | None = None
    """The first fixed version of a vulnerable package; None when there is none (or not a package)."""
    path: str | None = None
    """The file (or scan target, for image vulnerabilities) the finding is in, as the tool reported it."""
    line: int | None = None
    """The 1-based line in `path`, when the tool knows it."""
