"""The lint gate: any ruff violation, or any file needing formatting, fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.gates.result import GateResult, count_by

if TYPE_CHECKING:
    from shipyard.parsers.ruff import RuffCheckReport, RuffFormatReport


def lint_gate(check: RuffCheckReport, fmt: RuffFormatReport | None = None) -> GateResult:
    """Judge `ruff check` (and `ruff format --check`, when it ran)."""
    violations = check.violations
    unformatted = fmt.unformatted if fmt is not None else ()
    reasons: list[str] = []
    if violations:
        fixable = sum(1 for v in violations if v.fix == "safe")
        reasons.append(
            f"ruff check: {len(violations)} violation(s) in {len({v.filename for v in violations})} file(s)"
            f" ({count_by(v.code for v in violations)}); {fixable} fixable with `ruff check --fix`"
        )
    if unformatted:
        shown = ", ".join(unformatted[:5]) + (" …" if len(unformatted) > 5 else "")  # noqa: PLR2004
        reasons.append(
            f"ruff format: {len(unformatted)} file(s) would be reformatted ({shown}); run `ruff format`"
        )
    notes = () if fmt is not None else ("ruff format --check did not run: formatting was not judged",)
    if reasons:
        summary = "lint failed: " + "; ".join(
            part
            for part in (
                f"{len(violations)} violation(s) ({count_by(v.code for v in violations)})"
                if violations
                else "",
                f"{len(unformatted)} file(s) to reformat" if unformatted else "",
            )
            if part
        )
    else:
        summary = "lint passed: no ruff violations" + (", formatting clean" if fmt is not None else "")
    return GateResult(
        gate="lint",
        passed=not reasons,
        summary=summary,
        reasons=tuple(reasons),
        counted=check.findings,
        notes=notes,
    )
