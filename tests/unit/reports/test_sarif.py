from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from shipyard.config.models import AllowlistEntry, ScanConfig
from shipyard.gates.scan import scan_gate
from shipyard.parsers.gitleaks import parse_gitleaks
from shipyard.parsers.ruff import parse_ruff_check
from shipyard.parsers.trivy import parse_trivy
from shipyard.reports.sarif import dumps_sarif, sarif_log

if TYPE_CHECKING:
    from shipyard.parsers.findings import Finding

TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
LEVELS = {"none", "note", "warning", "error"}
Json = dict[str, object]


def obj(value: object) -> Json:
    assert isinstance(value, dict)
    return cast("Json", value)


def seq(value: object) -> list[object]:
    assert isinstance(value, list)
    return cast("list[object]", value)


def problems(log: Json) -> list[str]:
    """What GitHub code scanning requires of an uploaded SARIF file ('SARIF support for code scanning')."""
    found: list[str] = []
    if log.get("version") != "2.1.0":
        found.append("version must be 2.1.0")
    if not isinstance(log.get("$schema"), str):
        found.append("$schema missing")
    runs = [obj(run) for run in seq(log.get("runs"))]
    names = [str(obj(obj(run.get("tool")).get("driver")).get("name")) for run in runs]
    if len(set(names)) != len(names):
        found.append("two runs have the same tool name")
    for r, run in enumerate(runs):
        found.extend(run_problems(run, f"runs[{r}]"))
    return found


def run_problems(run: Json, where: str) -> list[str]:
    found: list[str] = []
    driver = obj(obj(run.get("tool")).get("driver"))
    if not isinstance(driver.get("name"), str):
        found.append(f"{where}.tool.driver.name missing")
    rules = [obj(rule) for rule in seq(driver.get("rules", []))]
    rule_ids = [str(rule.get("id")) for rule in rules]
    if len(set(rule_ids)) != len(rule_ids):
        found.append(f"{where} has duplicate rule ids")
    for rule in rules:
        if obj(rule.get("defaultConfiguration", {})).get("level", "warning") not in LEVELS:
            found.append(f"rule {rule.get('id')} has an invalid level")
        severity = obj(rule.get("properties", {})).get("security-severity")
        if severity is not None and not 0 <= float(str(severity)) <= 10:
            found.append(f"rule {rule.get('id')} security-severity out of range")
    for i, item in enumerate(seq(run.get("results"))):
        found.extend(result_problems(obj(item), rule_ids, f"{where}.results[{i}]"))
    return found


def result_problems(result: Json, rule_ids: list[str], where: str) -> list[str]:
    found: list[str] = []
    if result.get("ruleId") not in rule_ids:
        found.append(f"{where}.ruleId is not a rule of the run")
    index = result.get("ruleIndex")
    if index is not None and rule_ids[cast("int", index)] != result.get("ruleId"):
        found.append(f"{where}.ruleIndex points at another rule")
    if result.get("level", "warning") not in LEVELS:
        found.append(f"{where}.level invalid")
    if not obj(result.get("message", {})).get("text"):
        found.append(f"{where}.message.text missing")
    locations = [obj(location) for location in seq(result.get("locations", []))]
    if not locations:
        found.append(f"{where} has no location")
    for location in locations:
        physical = obj(location.get("physicalLocation"))
        uri = obj(physical.get("artifactLocation")).get("uri")
        if not isinstance(uri, str) or not uri or " " in uri:
            found.append(f"{where} uri {uri!r} is not a URI reference")
        start = obj(physical.get("region", {})).get("startLine")
        if not isinstance(start, int) or start < 1:
            found.append(f"{where}.region.startLine missing")
    return found


def test_validator_accepts_trivys_own_sarif_and_rejects_a_broken_log() -> None:
    trivy_sarif = obj(json.loads((TOOLS / "trivy/fs-secret-misconfig.sarif").read_text()))
    assert problems(trivy_sarif) == []
    broken = json.loads(dumps_sarif(build()))
    broken["version"] = "2.0.0"
    first = broken["runs"][0]["results"][0]
    first["level"] = "fatal"
    del first["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert problems(broken) == [
        "version must be 2.1.0",
        "runs[0].results[0].level invalid",
        "runs[0].results[0].region.startLine missing",
    ]


def all_findings() -> tuple[list[Finding], ScanConfig]:
    image = parse_trivy((TOOLS / "trivy/image-vulnerabilities.handwritten.json").read_bytes(), source="i")
    fs = parse_trivy((TOOLS / "trivy/fs-secret-misconfig.json").read_bytes(), source="f")
    leaks = parse_gitleaks((TOOLS / "gitleaks/report.json").read_bytes(), source="g")
    lint = parse_ruff_check((TOOLS / "ruff/check-violations.json").read_bytes(), source="r")
    config = ScanConfig(
        allowlist=(AllowlistEntry(id="CVE-2024-45490", reason="not reachable", expires=dt.date(2027, 1, 1)),)
    )
    return [*image.findings, *fs.findings, *leaks.findings, *lint.findings], config


def build() -> Json:
    findings, config = all_findings()
    scan = [f for f in findings if f.tool != "ruff"]
    gate = scan_gate(scan, config, today=dt.date(2026, 11, 22))
    return sarif_log(
        [*gate.counted, *findings],  # counted ones again: each finding is carried once
        suppressed=gate.suppressed,
        tool_versions={"trivy": "0.59.1", "gitleaks": "8.16.0", "ruff": "0.17.5"},
        root="/tmp/fx/ruffbad",  # noqa: S108 - the recorded ruff run's directory
    )


def test_merged_log_is_valid_for_code_scanning() -> None:
    log = build()
    assert problems(log) == []
    runs = [obj(run) for run in seq(log["runs"])]
    assert [obj(obj(r["tool"])["driver"])["name"] for r in runs] == ["gitleaks", "Ruff", "Trivy"]


@pytest.mark.parametrize(("tool", "count"), [("gitleaks", 2), ("Ruff", 8), ("Trivy", 10)])
def test_every_finding_is_carried_once(tool: str, count: int) -> None:
    runs = {obj(obj(obj(run)["tool"])["driver"])["name"]: obj(run) for run in seq(build()["runs"])}
    assert len(seq(runs[tool]["results"])) == count


def test_allowlisted_finding_is_marked_suppressed_with_its_reason() -> None:
    trivy = next(
        obj(r) for r in seq(build()["runs"]) if obj(obj(obj(r)["tool"])["driver"])["name"] == "Trivy"
    )
    suppressed = [obj(r) for r in seq(trivy["results"]) if "suppressions" in obj(r)]
    assert [r["ruleId"] for r in suppressed] == ["CVE-2024-45490"]
    suppression = obj(seq(suppressed[0]["suppressions"])[0])
    assert suppression["kind"] == "external"
    assert suppression["justification"] == "not reachable (shipyard allowlist until 2027-01-01)"


def test_levels_uris_and_security_severity() -> None:
    runs = {obj(obj(obj(run)["tool"])["driver"])["name"]: obj(run) for run in seq(build()["runs"])}
    trivy = [obj(r) for r in seq(runs["Trivy"]["results"])]
    levels = {r["ruleId"]: r["level"] for r in trivy}
    assert (levels["CVE-2024-45490"], levels["CVE-2024-35195"], levels["CVE-2011-3374"]) == (
        "error",
        "warning",
        "note",
    )
    image_uri = obj(obj(obj(seq(trivy[0]["locations"])[0])["physicalLocation"])["artifactLocation"])["uri"]
    assert image_uri == "ghcr.io/acme/app%3Asha-0123456%20%28debian%2012.8%29"
    ruff_location = obj(obj(seq(obj(seq(runs["Ruff"]["results"])[0])["locations"])[0])["physicalLocation"])
    assert obj(ruff_location["artifactLocation"]) == {"uri": "pkg/app.py", "uriBaseId": "%SRCROOT%"}
    assert obj(ruff_location["region"]) == {"startLine": 1}
    rules = {obj(r)["id"]: obj(r) for r in seq(obj(obj(runs["Trivy"]["tool"])["driver"])["rules"])}
    assert obj(rules["CVE-2024-45490"]["properties"])["security-severity"] == "9.5"
    assert "security-severity" not in obj(
        obj(seq(obj(obj(runs["Ruff"]["tool"])["driver"])["rules"])[0])["properties"]
    )


def test_no_raw_secret_and_stable_output() -> None:
    text = dumps_sarif(build())
    assert "AKIAQ7" not in text
    assert text == dumps_sarif(build())
    assert json.loads(text)["version"] == "2.1.0"


def test_empty_log_still_valid() -> None:
    log = sarif_log([])
    assert log["runs"] == []
    assert problems(log) == []
