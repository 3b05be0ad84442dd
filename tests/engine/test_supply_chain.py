"""The image supply chain on a real engine: multi-arch builds, non-root slim images, SBOMs, scans.

examples/webapp and shipyard itself are built for linux/amd64 and linux/arm64 (the arm64 image
runs under qemu); webapp's SBOM must list its Python packages; a secret in git history and a
secret plus a Dockerfile misconfiguration in the working tree must fail the scan gate, with
reports that never repeat the secret; an expired allowlist entry fails and says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, cast

import pytest

from tests.engine.helpers import EXAMPLES, REPO, fake_aws_key, git_copy, shipyard, summary

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.engine

PLATFORMS = ("linux/amd64", "linux/arm64")
SHIPYARD_FILES = ("pyproject.toml", "uv.lock", "README.md", ".dockerignore", "src", "docker", "compose")
"""What docker/Dockerfile needs of this repository (its context minus what .dockerignore drops), and
the compose file its [tool.shipyard] names (a named file must exist)."""
APP_PACKAGES = ("starlette", "psycopg", "uvicorn")
COMPILERS = ("gcc", "cc", "c++", "g++", "clang")
ROOT_USERS = {"", "root", "0", "0:0", "root:root"}
FAULTS_PY = EXAMPLES / "broken" / "faults.py"


def _commit_all(root: Path) -> None:
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init"],
    ):
        subprocess.run(argv, cwd=root, check=True)


def _own_image_name(project: Path, name: str) -> None:
    """Give the copy an image name of its own: no other run on this engine retags it under us."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    old = next(line for line in text.splitlines() if line.startswith("name = ") and "/" in line)
    pyproject.write_text(text.replace(old, f'name = "{name}"', 1))


def shipyard_copy(tmp_path: Path) -> Path:
    """This repository as docker/Dockerfile sees it, in a git repository of its own."""
    target = tmp_path / "shipyard"
    target.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".shipyard", ".venv", "*.pyc")
    for name in SHIPYARD_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    _commit_all(target)
    return target


def docker(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"docker {' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def build_json(project: Path, platform: str) -> dict[str, str]:
    stage_id = "build-" + platform.replace("/", "-")
    path = project / ".shipyard" / "out" / stage_id / "build.json"
    return cast("dict[str, str]", json.loads(path.read_text()))


class Built:
    """A project copy whose `shipyard run build` passed for both platforms."""

    def __init__(self, project: Path, done: subprocess.CompletedProcess[str]) -> None:
        self.project = project
        self.done = done
        self.stages = summary(project)
        self.summary_md = (project / ".shipyard" / "out" / "summary.md").read_text()
        self.report_html = (project / ".shipyard" / "out" / "report.html").read_text()

    def tag(self, platform: str) -> str:
        return build_json(self.project, platform)["tag"]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Built]]:
    """webapp and shipyard, each built by `shipyard run build` for amd64 and arm64."""
    root = tmp_path_factory.mktemp("supply")
    prefix = f"shipyard-tests/supply-{uuid.uuid4().hex[:8]}"
    projects = {"webapp": git_copy("webapp", root), "shipyard": shipyard_copy(root)}
    found: dict[str, Built] = {}
    for name, project in projects.items():
        _own_image_name(project, f"{prefix}/{name}")
        subprocess.run(["git", "commit", "-qam", "own image name"], cwd=project, check=True)
        done = shipyard("run", "--source", str(project), "--json", "build", timeout=1500)
        found[name] = Built(project, done)
    yield found
    tags = [f"{prefix}/{name}:shipyard-{p.rsplit('/', 1)[-1]}" for name in projects for p in PLATFORMS]
    subprocess.run(["docker", "rmi", *tags], capture_output=True, check=False)


@pytest.fixture(params=["webapp", "shipyard"])
def built(request: pytest.FixtureRequest, builds: dict[str, Built]) -> Built:
    found = builds[cast("str", request.param)]
    assert found.done.returncode == 0, found.done.stderr[-3000:]
    return found


def test_build_makes_both_platforms_and_the_arm64_image_runs_on_aarch64(built: Built) -> None:
    assert set(built.stages) == {"build-linux-amd64", "build-linux-arm64"}
    for platform in PLATFORMS:
        meta = build_json(built.project, platform)
        assert meta["architecture"] == platform.split("/")[1], meta
    arm64 = built.tag("linux/arm64")
    machine = docker("run", "--rm", "--platform", "linux/arm64", "--entrypoint", "uname", arm64, "-m")
    assert machine.strip() == "aarch64", machine
    python = docker(
        "run", "--rm", "--platform", "linux/arm64", "--entrypoint", "python", arm64,
        "-c", "import platform, ssl; print(platform.machine())",
    )  # fmt: skip
    assert python.strip() == "aarch64", python


def test_final_image_runs_as_non_root_has_no_compiler_and_its_size_is_reported(built: Built) -> None:
    amd64 = built.tag("linux/amd64")
    uid = docker("run", "--rm", "--entrypoint", "id", amd64, "-u").strip()
    assert uid.isdigit(), uid
    assert int(uid) != 0, "the final image runs as root"
    for platform in PLATFORMS:
        user = build_json(built.project, platform)["user"]
        assert user not in ROOT_USERS, f"{platform}: build.json user {user!r}"
    script = "for c in " + " ".join(COMPILERS) + '; do command -v "$c"; done; exit 0'
    compilers = docker("run", "--rm", "--entrypoint", "sh", amd64, "-c", script)
    assert compilers.strip() == "", f"compilers on PATH in the final image: {compilers.split()}"
    for platform in PLATFORMS:
        stage = built.stages["build-" + platform.replace("/", "-")]
        counts = cast("dict[str, object]", stage["counts"])
        size = int(build_json(built.project, platform)["size"])
        assert size > 0
        assert counts["size_bytes"] == size, counts
        shown = f"{size / 1e6:.1f} MB"
        assert shown in built.summary_md, f"{shown} not in summary.md"
        assert shown in built.report_html, f"{shown} not in report.html"


def test_sbom_lists_the_apps_python_packages_in_cyclonedx_and_spdx(builds: dict[str, Built]) -> None:
    webapp = builds["webapp"].project
    done = shipyard("run", "--source", str(webapp), "--json", "sbom")
    assert done.returncode == 0, done.stderr[-3000:]
    stages = summary(webapp)
    assert stages["build-linux-amd64"]["cached"] is True, "sbom rebuilt an unchanged image"
    assert stages["sbom"]["status"] == "passed", stages["sbom"]
    out = webapp / ".shipyard" / "out" / "sbom"
    cyclonedx = json.loads((out / "sbom.cdx.json").read_text())
    purls = {c["name"].lower(): c.get("purl", "") for c in cyclonedx["components"]}
    for package in APP_PACKAGES:
        assert purls.get(package, "").startswith(f"pkg:pypi/{package}@"), (package, purls.get(package))
    spdx = json.loads((out / "sbom.spdx.json").read_text())
    spdx_purls = {
        ref["referenceLocator"]
        for p in spdx["packages"]
        for ref in p.get("externalRefs", [])
        if ref.get("referenceType") == "purl"
    }
    for package in APP_PACKAGES:
        assert any(purl.startswith(f"pkg:pypi/{package}@") for purl in spdx_purls), package
    shipyard_dir = webapp / ".shipyard"
    archives = sorted(str(p.relative_to(shipyard_dir)) for p in shipyard_dir.rglob("*.tar"))
    built_ids = sorted(p.name for p in (shipyard_dir / "out").glob("build-*"))
    assert built_ids, "no build stage wrote its outputs"
    expected = sorted(
        [*(f"cache/{b}/files/image.tar" for b in built_ids), *(f"out/{b}/image.tar" for b in built_ids)]
    )
    assert archives == expected, "one image archive per build (and its cache entry), none kept for scanners"
    for build in built_ids:
        out, cached = (
            shipyard_dir / "out" / build / "image.tar",
            shipyard_dir / "cache" / build / "files" / "image.tar",
        )
        assert out.stat().st_ino == cached.stat().st_ino, (
            f"{build}: the cache holds a second copy, not a link"
        )


def _enable(fault: str, project: Path) -> None:
    subprocess.run(
        [sys.executable, str(FAULTS_PY), "enable", fault, str(project)], check=True, capture_output=True
    )


PLANTED_FILE = "deploy/token.env"


def _working_tree_token() -> str:
    """A GitHub token in the right shape, made here so no file of this repository holds one."""
    body = base64.b32encode(hashlib.sha256(b"shipyard supply chain test").digest()).decode()
    return "gh" + "p_" + body[:36]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, object]]]:
    """broken with a secret in history, a root Dockerfile and a token in the working tree, scanned."""
    project = git_copy("broken", tmp_path_factory.mktemp("scan"))
    _enable("secret", project)
    _enable("root", project)
    secret_file = project / PLANTED_FILE
    secret_file.parent.mkdir(exist_ok=True)
    secret_file.write_text(f"GITHUB_TOKEN={_working_tree_token()}\n")
    done = shipyard("run", "--source", str(project), "--json", "scan")
    assert done.returncode == 1, done.stderr[-3000:]
    return project, summary(project)


def _text(stage: dict[str, object]) -> str:
    return "\n".join([str(stage["summary"]), *map(str, cast("list[object]", stage.get("details") or []))])


def test_secret_in_git_history_fails_the_gate_and_reports_stay_redacted(
    scanned: tuple[Path, dict[str, dict[str, object]]],
) -> None:
    project, stages = scanned
    history = stages["scan-history"]
    assert history["status"] == "failed", history
    assert "aws-access-token" in _text(history), _text(history)
    out = project / ".shipyard" / "out"
    assert (out / "scan-history" / "gitleaks.json").is_file()
    for secret in (fake_aws_key(), _working_tree_token()):
        leaking = [
            str(p.relative_to(out))
            for p in out.rglob("*")
            if p.is_file() and secret.encode() in p.read_bytes()
        ]
        assert leaking == [], f"the secret appears in {leaking}"


def test_secret_and_misconfiguration_in_the_working_tree_fail_scan_source(
    scanned: tuple[Path, dict[str, dict[str, object]]],
) -> None:
    _, stages = scanned
    source = stages["scan-source"]
    assert source["status"] == "failed", source
    text = _text(source)
    assert "DS002" in text, text
    assert f"secret github-pat (CRITICAL) at {PLANTED_FILE}" in text, text
    assert "vuln: skipped: " in text, "the vuln part cannot run without a DB: it must say skipped"
    counts = cast("dict[str, object]", source["counts"])
    assert counts["skipped_parts"] == 1, counts


@pytest.fixture(scope="module")
def rooted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = git_copy("broken", tmp_path_factory.mktemp("allowlist"))
    _enable("root", project)
    return project


def _allowlist_ds002(project: Path, expires: str) -> dict[str, object]:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().split("\n[[tool.shipyard.scan.allowlist]]")[0]
    entry = f'id = "DS002"\nreason = "runs as root until the base image has a user"\nexpires = {expires}\n'
    pyproject.write_text(f"{text}\n[[tool.shipyard.scan.allowlist]]\n{entry}")
    shipyard("run", "--source", str(project), "--json", "scan-source")
    return summary(project)["scan-source"]


def test_expired_allowlist_entry_fails_and_names_the_entry(rooted: Path) -> None:
    stage = _allowlist_ds002(rooted, "2026-11-01")
    assert stage["status"] == "failed", stage
    text = _text(stage)
    assert "allowlist entry DS002 expired on 2026-11-01" in text, text


def test_allowlist_entry_until_a_future_date_suppresses_the_finding(rooted: Path) -> None:
    stage = _allowlist_ds002(rooted, "2027-06-30")
    assert stage["status"] != "failed", _text(stage)
    assert stage["status"] == "skipped", "the vuln part still cannot run: never passed"
    counts = cast("dict[str, object]", stage["counts"])
    assert counts["suppressed"] == 1, counts
    assert counts["counted"] == 0, counts
