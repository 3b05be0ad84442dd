"""Gates: pure policy functions from parsed reports to a pass/fail verdict with reasons."""

from shipyard.gates.lint import lint_gate
from shipyard.gates.result import GateResult, SuppressedFinding
from shipyard.gates.scan import scan_gate
from shipyard.gates.testing import suite_gate

__all__ = ["GateResult", "SuppressedFinding", "lint_gate", "scan_gate", "suite_gate"]
