"""examples/broken end to end: each fault of `faults.py list` fails exactly its own gate, by name.

Every fault runs on a fresh git copy with only that fault enabled, and only the stages that
exercise its gate. `vulnerable` needs trivy's vulnerability DB, which this machine cannot have:
there the test checks that the vuln parts say `skipped:` with the DB reason, never passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.engine.helpers import (
    FAULTS,
    NEEDS_DB,
    STAGES_FOR,
    broken_with,
    leftovers,
    new_run_id,
    shipyard,
    stage_message,
    summary,
)

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.engine

RUN_REPORTS = ("summary.json", "summary.md", "shipyard.sarif", "SHA256SUMS", "report.html")
NO_DB = "no vulnerability DB"
"""What trivy's vuln part says here: it cannot download its vulnerability DB."""


def assert_every_report(project: Path, stages: dict[str, dict[str, object]]) -> None:
    out = project / ".shipyard" / "out"
    missing = [name for name in RUN_REPORTS if not (out / name).is_file()]
    missing += [f"{sid}/log.txt" for sid in stages if not (out / sid / "log.txt").is_file()]
    assert missing == [], f"reports not written: {missing}"


def assert_green_or_skipped_with_reason(stages: dict[str, dict[str, object]], ids: set[str]) -> None:
    for sid in ids:
        stage = stages[sid]
        if stage["status"] == "skipped":
            assert str(stage["summary"]).strip(), f"{sid} skipped without a reason: {stage}"
            assert NO_DB in str(stage["summary"]), f"{sid} skipped for another reason than the DB: {stage}"
        else:
            assert stage["status"] == "passed", f"{sid} should not fail: {stage_message(stage)}"


def test_faults_py_lists_exactly_the_faults_this_module_covers() -> None:
    assert set(FAULTS) == set(STAGES_FOR), "a fault was added or removed: give it its stages here"
    for name, fault in FAULTS.items():
        gate_stages = STAGES_FOR[name][1]
        assert all(s.startswith(fault.stage) for s in gate_stages), (name, fault.stage, gate_stages)


@pytest.mark.parametrize(
    "fault", [f for f in STAGES_FOR if f not in NEEDS_DB], ids=lambda f: f"{f}-fails-its-gate"
)
def test_fault_fails_exactly_its_gate_naming_it_and_writes_every_report(fault: str, tmp_path: Path) -> None:
    listed = FAULTS[fault]
    args, gate_ids = STAGES_FOR[fault]
    project = broken_with(fault, tmp_path)
    run_id = new_run_id()
    done = shipyard("run", "--source", str(project), "--json", *args, env={"SHIPYARD_RUN_ID": run_id})
    stages = summary(project)
    assert done.returncode == 1, f"exit {done.returncode}: {done.stderr[-2000:]}"
    for sid in gate_ids:
        assert stages[sid]["status"] == "failed", f"{sid} did not fail with {fault}: {stages[sid]}"
        assert listed.names in stage_message(stages[sid]), (
            f"{sid} does not name {listed.names!r}: {stage_message(stages[sid])}"
        )
    assert_green_or_skipped_with_reason(stages, set(stages) - set(gate_ids))
    assert_every_report(project, stages)
    if "compose" in gate_ids:  # a stack that failed keeps its logs, within the configured timeout
        compose = stages["compose"]
        assert "service 'app' is unhealthy" in str(compose["summary"]), compose
        assert float(str(compose["seconds"])) < 60 + 30, "took longer than the configured timeout allows"
        assert "app-1" in (project / ".shipyard/out/compose/compose-logs.txt").read_text()
        assert leftovers(run_id) == []


def test_vulnerable_needs_a_trivy_db_so_its_vuln_parts_are_skipped_never_passed(tmp_path: Path) -> None:
    """`vulnerable` (CVE-2022-29217) is found by trivy's vuln part, which needs the DB this host lacks.

    Here the vuln parts of scan-source and scan-image must say `skipped:` with the DB reason, and
    neither stage may report a pass; with a DB the CVE would fail them.
    """
    project = broken_with("vulnerable", tmp_path)
    done = shipyard("run", "--source", str(project), "--json", "scan")
    stages = summary(project)
    for sid in STAGES_FOR["vulnerable"][1]:
        stage = stages[sid]
        assert stage["status"] == "skipped", f"{sid}: without a DB the vuln part cannot pass: {stage}"
        text = stage_message(stage)
        assert "vuln: skipped: " in text, text
        assert NO_DB in text, text
        assert FAULTS["vulnerable"].names not in text, "a CVE found without a DB?"
    assert stages["scan-history"]["status"] == "passed", stages["scan-history"]
    assert stages["build-linux-amd64"]["status"] == "passed", stages["build-linux-amd64"]
    assert done.returncode == 0, f"skipped parts do not fail the run: {done.stderr[-2000:]}"
    assert_every_report(project, stages)


def test_without_a_fault_the_same_stages_pass(tmp_path: Path) -> None:
    project = broken_with(None, tmp_path)
    done = shipyard(
        "run", "--source", str(project), "--json", "lint", "test", "--python", "3.12", "scan", "compose"
    )
    stages = summary(project)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = {
        "lint",
        "test-3.12",
        "build-linux-amd64",
        "scan-history",
        "scan-source",
        "scan-image",
        "compose",
    }
    assert set(stages) == expected
    assert_green_or_skipped_with_reason(stages, expected)
    for sid in ("scan-source", "scan-image"):
        assert stages[sid]["status"] == "skipped", f"{sid}: only the vuln part may be skipped: {stages[sid]}"
        assert "vuln: skipped: " in str(stages[sid]["summary"]), stages[sid]
    assert_every_report(project, stages)
