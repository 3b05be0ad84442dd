"""Helpers every evaluate function shares: reading reports, setup failures, gate → result."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from shipyard.errors import ReportError
from shipyard.parsers.causes import find_cause
from shipyard.stages.result import StageResult, Status

if TYPE_CHECKING:
    from shipyard.gates.result import GateResult
    from shipyard.stages.outcome import CommandOutcome, StageOutcome

KILLED = 137
"""128 + SIGKILL: the container (or the command) was killed."""
STALE_LOCK_MARKERS = ("needs to be updated", "lockfile at `uv.lock` needs")


def report(outcome: StageOutcome, name: str) -> tuple[bytes, str] | None:
    """A report's bytes and its path (for messages), or None when the stage did not write it."""
    path = outcome.out_dir / name
    if not path.is_file():
        return None
    return path.read_bytes(), str(path)


ERROR_PREFIXES = ("error:", "error ", "fatal:", "failed", "no matching distribution", "could not")


def missing_image(image: str) -> str:
    """The one-line summary for an image the engine has not got and cannot pull."""
    return (
        f"image {image} is not on this engine and cannot be pulled (offline, or no registry reachable); "
        f"fix: `docker pull {image}` on a connected machine, `docker save` it and `docker load` it here, "
        "or seed a registry mirror with it"
    )


def last_line(command: CommandOutcome) -> str:
    """The line that best says why a command failed.

    The cause found in its output (parsers.causes: a collection error, a traceback's exception, a
    resolver's verdict...), else the last error-looking line, else the last one.
    """
    cause = find_cause(command.output_tail)
    if cause is not None:
        return cause.text
    lines = [line.strip() for line in command.output_tail.splitlines() if line.strip()]
    fatal = [line for line in lines if "fatal" in line.lower()]
    if fatal:
        return fatal[-1]
    errors = [line for line in lines if line.lower().lstrip("\u00d7 ").startswith(ERROR_PREFIXES)]
    if errors:
        return errors[-1]
    return lines[-1] if lines else "no output"


def broken_run(outcome: StageOutcome, *, may_fail: tuple[str, ...] = ()) -> StageResult | None:
    """An ERROR result when the action could not run or a setup command failed; None otherwise."""
    if outcome.error:
        return StageResult(status=Status.ERROR, summary=outcome.error)
    for command in outcome.commands:
        if command.exit_code == 0 or command.label in may_fail:
            continue
        tail = command.output_tail
        if command.label == "install" and any(marker in tail for marker in STALE_LOCK_MARKERS):
            return StageResult(
                status=Status.ERROR,
                summary="uv.lock is out of date with pyproject.toml (fix: run `uv lock` and commit uv.lock)",
                details=(last_line(command),),
            )
        cause = find_cause(tail)
        if command.exit_code == 127:  # noqa: PLR2004 - "command not found"
            what = f"command not found: {command.argv[0]}"
        elif cause is not None and cause.image is not None:
            what = missing_image(cause.image)
        elif command.exit_code == KILLED:
            name = command.label or command.argv[0]
            what = f"{name} was killed (exit 137, SIGKILL: `docker kill`, or out of memory)"
        else:
            name = command.label or command.argv[0]
            what = f"{name} failed with exit {command.exit_code}: {last_line(command)}"
        return StageResult(status=Status.ERROR, summary=what, details=tuple(tail.splitlines()[-10:]))
    return None


def from_gate(
    gate: GateResult, *, counts: dict[str, int | float | str], artifacts: tuple[str, ...]
) -> StageResult:
    """A stage result carrying a gate's verdict."""
    return StageResult(
        status=Status.PASSED if gate.passed else Status.FAILED,
        summary=gate.summary,
        details=(*gate.reasons, *gate.notes),
        counts=counts,
        artifacts=artifacts,
    )


def executor_report(outcome: StageOutcome, name: str, stage: str) -> dict[str, Any] | StageResult:
    """A JSON report an executor wrote for a stage, or an ERROR result when it wrote none."""
    path = outcome.out_dir / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StageResult(status=Status.ERROR, summary=f"the {stage} stage wrote no {name}")
    except ValueError as exc:
        raise ReportError(f"{path}: not valid JSON: {exc}", fix="re-run the stage") from exc
    if not isinstance(data, dict):
        raise ReportError(f"{path}: not a JSON object", fix="re-run the stage")
    return cast("dict[str, Any]", data)


def missing(outcome: StageOutcome, label: str, name: str) -> StageResult:
    """An ERROR result for a tool that ran but wrote no report."""
    command = next((c for c in outcome.commands if c.label == label), None)
    if command is not None and command.exit_code == 127:  # noqa: PLR2004 - "command not found"
        return StageResult(status=Status.ERROR, summary=f"command not found: {command.argv[0]}")
    why = f"exit {command.exit_code}: {last_line(command)}" if command else "it did not run"
    return StageResult(status=Status.ERROR, summary=f"{label} wrote no {name} ({why})")
