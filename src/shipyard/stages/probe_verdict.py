"""The core's word on probes: how often to try, how long to pause, whether an attempt passed and why not.

Executors loop over attempts and ask `probe_passed` whether to stop early; the compose stage's
evaluate function asks `attempt_problem` for the cause it reports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.config.models import ExecProbe, HttpProbe, TcpProbe

if TYPE_CHECKING:
    from shipyard.stages.compose_observation import ProbeAttempt
    from shipyard.stages.spec import ComposeStep

AnyProbe = HttpProbe | TcpProbe | ExecProbe
PROBE_PAUSE = 1.0
"""Seconds between two attempts of one probe."""


def probe_label(probe: AnyProbe) -> str:
    """A probe in a few words, as both executors name it in the health report."""
    if isinstance(probe, HttpProbe):
        return f"http {probe.service}:{probe.port}{probe.path}"
    if isinstance(probe, TcpProbe):
        return f"tcp {probe.service}:{probe.port}"
    return f"exec {probe.service}: {' '.join(probe.command)}"


def attempts_allowed(step: ComposeStep) -> int:
    """How many attempts a probe gets: the first one and `retries` more."""
    return step.retries + 1


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def attempt_problem(probe: AnyProbe, attempt: ProbeAttempt) -> str | None:
    """Why one attempt does not pass `probe` (a few words), or None when it passes."""
    if isinstance(probe, ExecProbe):
        return _exec_problem(attempt)
    if attempt.error:
        return attempt.error
    if isinstance(probe, TcpProbe):
        return None
    return _http_problem(probe, attempt)


def _exec_problem(attempt: ProbeAttempt) -> str | None:
    if attempt.exit_code == 0:
        return None
    if attempt.exit_code is None:
        return attempt.error or "the command did not run"
    return f"exit {attempt.exit_code}: {_last_line(attempt.body)}"


def _http_problem(probe: HttpProbe, attempt: ProbeAttempt) -> str | None:
    if attempt.status is None:
        return "no HTTP answer"
    if attempt.status != probe.status:
        return f"answered {attempt.status}, expected {probe.status}"
    if probe.body is not None and probe.body not in attempt.body:
        return f"answered {attempt.status} without {probe.body!r} in the body"
    return None


def probe_passed(probe: AnyProbe, attempt: ProbeAttempt) -> bool:
    """Whether this attempt passes the probe (the executor stops trying once one does)."""
    return attempt_problem(probe, attempt) is None
