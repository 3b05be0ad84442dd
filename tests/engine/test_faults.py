"""Fault injection: every gate fault and every infrastructure fault, through the real CLI.

Each test injects one fault (or one run injects several gate faults, each in its own stage) and
records a row of the fault table: what must happen, what did, and whether it was handled — the
right status, a clear message (one `shipyard: error: ... (fix: ...)` line for CLI errors), the
reports written, nothing published, and nothing of the run left on the engine (containers and
networks by the run's label, compose projects by name). The session fixture `fault_table` writes
the table to .shipyard/test-artifacts/faults.json and prints it when the session ends, whatever
order the tests ran in.

Lean on purpose (CI budget): small examples, --python 3.12 and linux/amd64 only, the broken
example's build shared by the gate faults and the publish faults.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.engine.engine_endpoints import OLD_API, closed_port, old_engine, tls_listener
from tests.engine.helpers import AUTH_REGISTRY, EXAMPLES, REPO, RegistryProxy, git_copy, leftovers, shipyard

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator

pytestmark = [pytest.mark.engine, pytest.mark.slow, pytest.mark.timeout(1800)]

CREDENTIALS_FILE = Path("/var/lib/shipyard-engine/registry-auth.credentials")
ARTIFACT = REPO / ".shipyard" / "test-artifacts" / "faults.json"
MIN_FAULTS = 21

FAULTS: list[dict[str, object]] = []
"""The fault table, one row per fault, in the order the tests ran."""


@dataclass
class Fault:
    """One row of the table: checks are named, so a failure says which expectation broke."""

    name: str
    expected: str
    failed: list[str] = field(default_factory=list[str])

    def check(self, what: str, ok: bool) -> None:  # noqa: FBT001 - reads as check("...", cond)
        """Record one expectation."""
        if not ok:
            self.failed.append(what)

    def record(self, observed: str) -> None:
        """Add the row; fail the test when any expectation broke."""
        FAULTS.append(
            {
                "fault": self.name,
                "expected": self.expected,
                "observed": observed,
                "handled": not self.failed,
            }
        )
        assert not self.failed, f"{self.name}: {self.failed} (observed: {observed})"


@dataclass(frozen=True)
class Run:
    """A finished `shipyard run --json`."""

    done: subprocess.CompletedProcess[str]
    out: Path
    run_id: str

    @property
    def last_line(self) -> str:
        lines = self.done.stderr.strip().splitlines()
        return lines[-1] if lines else ""

    def summary(self) -> dict[str, Any]:
        path = self.out / "summary.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def stages(self) -> dict[str, dict[str, Any]]:
        return {s["id"]: s for s in self.summary().get("stages", [])}

    def text(self, stage: str) -> str:
        entry = self.stages().get(stage, {})
        return f"{entry.get('summary', '')} {' '.join(map(str, entry.get('details', ())))}"

    def reports_written(self) -> bool:
        return all((self.out / name).is_file() for name in ("summary.json", "summary.md"))


def new_run_id(kind: str) -> str:
    """A run id of our own, to find this run's containers by label."""
    return f"fault-{kind}-{secrets.token_hex(4)}"


def run(
    project: Path, *args: str, kind: str, env: dict[str, str] | None = None, out: Path | None = None
) -> Run:
    """`shipyard run --json` with a run id of its own."""
    run_id = new_run_id(kind)
    extra = ["--out", str(out)] if out else []
    done = shipyard(
        "run",
        "--source",
        str(project),
        "--json",
        *extra,
        *args,
        env={"SHIPYARD_RUN_ID": run_id, **(env or {})},
    )
    return Run(done=done, out=out or project / ".shipyard" / "out", run_id=run_id)


def one_line_error(run: Run, code: int) -> bool:
    """Exit `code`, the last stderr line is `shipyard: error: ... (fix: ...)`, and no traceback."""
    return (
        run.done.returncode == code
        and run.last_line.startswith("shipyard: error: ")
        and "(fix: " in run.last_line
        and "Traceback" not in run.done.stderr
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def commit_all(project: Path, message: str) -> None:
    for argv in (
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", message],
    ):
        subprocess.run(argv, cwd=project, check=True)


def enable(project: Path, *faults: str) -> None:
    for fault in faults:
        subprocess.run(
            [sys.executable, str(EXAMPLES / "broken" / "faults.py"), "enable", fault, str(project)],
            check=True,
            capture_output=True,
        )


def running_containers(run_id: str, stage: str | None = None) -> list[str]:
    filters = ["--filter", f"label=dev.shipyard.run={run_id}", "--filter", "status=running"]
    if stage:
        filters += ["--filter", f"label=dev.shipyard.stage={stage}"]
    listed = subprocess.run(["docker", "ps", "-q", *filters], capture_output=True, text=True, check=True)
    return listed.stdout.split()


# ---------------------------------------------------------------- infrastructure: engine and CLI


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return git_copy("library", tmp_path)


def test_engine_unreachable(library: Path) -> None:
    fault = Fault("engine unreachable (DOCKER_HOST to a dead socket)", "exit 4, one line naming the socket")
    result = run(library, "lint", kind="engine", env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    fault.check("one-line error, exit 4", one_line_error(result, 4))
    fault.check("names the socket", "unix:///nonexistent/docker.sock" in result.last_line)
    fault.check("reports written", result.reports_written())
    fault.check("stage marked error", result.stages().get("lint", {}).get("status") == "error")
    fault.record(f"exit {result.done.returncode}: {result.last_line}")


ENDPOINT_FAULTS = {
    # fault: (what the last line must name besides the endpoint)
    "tcp-closed-port": "cannot reach the Docker Engine",
    "tls-untrusted": "TLS with the Docker Engine",
    "tls-missing-certs": "TLS settings for the Docker Engine",
    "api-too-old": f"API {OLD_API}",
}


@contextlib.contextmanager
def endpoint_env(fault: str, tmp_path: Path) -> Generator[dict[str, str]]:
    """DOCKER_HOST (and TLS variables) for a remote endpoint that fails the way `fault` says."""
    if fault == "tcp-closed-port":
        yield {"DOCKER_HOST": f"tcp://127.0.0.1:{closed_port()}"}
    elif fault == "tls-missing-certs":
        (empty := tmp_path / "no-certs").mkdir(parents=True)
        yield {
            "DOCKER_HOST": f"tcp://127.0.0.1:{closed_port()}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(empty),
        }
    elif fault == "tls-untrusted":
        with tls_listener(tmp_path) as (port, certs):
            yield {
                "DOCKER_HOST": f"tcp://127.0.0.1:{port}",
                "DOCKER_TLS_VERIFY": "1",
                "DOCKER_CERT_PATH": str(certs),
            }
    else:
        with old_engine() as port:
            yield {"DOCKER_HOST": f"tcp://127.0.0.1:{port}"}


@pytest.mark.parametrize("fault", sorted(ENDPOINT_FAULTS))
def test_remote_endpoint_faults(fault: str, library: Path, tmp_path: Path) -> None:
    names = ENDPOINT_FAULTS[fault]
    row = Fault(
        f"engine endpoint: {fault}", f"exit 4, one line naming the endpoint and {names!r}, with the fix"
    )
    with endpoint_env(fault, tmp_path / "endpoint") as env:
        result = run(library, "lint", kind="endpoint", env=env)
    row.check("one-line error, exit 4", one_line_error(result, 4))
    row.check("names the endpoint", f"{env['DOCKER_HOST']} (DOCKER_HOST)" in result.last_line)
    row.check(f"says {names!r}", names in result.last_line)
    row.check("reports written", result.reports_written())
    row.record(f"exit {result.done.returncode}: {result.last_line}")


def test_container_killed_mid_stage(library: Path) -> None:
    fault = Fault("a stage's container killed mid-stage", "that stage error, the other passes, exit 1")
    run_id = new_run_id("kill")
    argv = [sys.executable, "-m", "shipyard", "run", "--source", str(library), "--json", "test", "--no-cache"]
    proc = subprocess.Popen(
        [*argv, "--python", "3.12", "--python", "3.13", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "SHIPYARD_RUN_ID": run_id},
    )
    deadline = time.monotonic() + 180
    victim: list[str] = []
    while not victim and proc.poll() is None and time.monotonic() < deadline:
        victim = running_containers(run_id, "test-3.12")
        time.sleep(0.1)
    if victim:
        subprocess.run(["docker", "kill", *victim], capture_output=True, check=False)
    _, stderr = proc.communicate(timeout=600)
    result = Run(
        subprocess.CompletedProcess(argv, proc.returncode, "", stderr), library / ".shipyard/out", run_id
    )
    stages = result.stages()
    fault.check("the container was found running and killed", bool(victim))
    fault.check("exit 1", proc.returncode == 1)
    fault.check("killed stage is an error", stages.get("test-3.12", {}).get("status") == "error")
    fault.check("says why", any(w in result.text("test-3.12") for w in ("killed", "is not running")))
    fault.check("the other stage passed", stages.get("test-3.13", {}).get("status") == "passed")
    fault.check("reports written", result.reports_written())
    fault.check("no leftovers", leftovers(run_id) == [])
    fault.record(f"exit {proc.returncode}; test-3.12: {result.text('test-3.12')[:160]}")


def test_image_missing_offline(library: Path) -> None:
    fault = Fault("image missing with --offline", "stage error naming the image")
    edit(
        library / "pyproject.toml",
        "[tool.shipyard]",
        '[tool.shipyard]\npython_image = "python:{version}-nosuch"',
    )
    result = run(library, "lint", "--offline", kind="offline")
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("names the image", "python:3.13-nosuch is not on this engine" in result.text("lint"))
    fault.check("reports written", result.reports_written())
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}; lint: {result.text('lint')[:160]}")


def test_stage_command_does_not_exist(library: Path) -> None:
    fault = Fault("a stage command that does not exist", "stage error naming the command")
    edit(
        library / "pyproject.toml",
        "[tool.shipyard.test]",
        '[tool.shipyard.test]\ncommand = ["no-such-runner"]',
    )
    result = run(library, "test", "--python", "3.12", kind="nocmd")
    text = result.text("test-3.12")
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("stage error", result.stages().get("test-3.12", {}).get("status") == "error")
    fault.check("names the command", "no-such-runner" in text)
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}; test-3.12: {text[:160]}")


@pytest.mark.parametrize(
    ("name", "old", "new", "names"),
    [
        (
            "malformed config: unknown key",
            "[tool.shipyard]",
            "[tool.shipyard]\nno_such_key = 1",
            "no_such_key",
        ),
        ("malformed config: bad value", 'tier = "extended"', 'tier = "everything"', "tier"),
    ],
)
def test_malformed_config(library: Path, name: str, old: str, new: str, names: str) -> None:
    fault = Fault(name, "exit 2, one line naming the key and pyproject.toml")
    edit(library / "pyproject.toml", old, new)
    result = run(library, "lint", kind="config")
    fault.check("one-line error, exit 2", one_line_error(result, 2))
    fault.check("names the key", names in result.last_line)
    fault.check("names the file", "pyproject.toml" in result.last_line)
    fault.record(f"exit {result.done.returncode}: {result.last_line}")


def test_source_without_pyproject(tmp_path: Path) -> None:
    fault = Fault("source dir without pyproject.toml", "exit 2, one line naming the directory")
    result = run(tmp_path, "lint", kind="nopyproject")
    fault.check("one-line error, exit 2", one_line_error(result, 2))
    fault.check("names the directory", str(tmp_path) in result.last_line)
    fault.record(f"exit {result.done.returncode}: {result.last_line}")


def test_malformed_tool_report(library: Path) -> None:
    fault = Fault("malformed tool report (garbage junit.xml)", "stage error naming the report file")
    (library / "garbage_report.py").write_text(
        'from pathlib import Path\nPath("/out/junit.xml").write_text("<testsuites><oops")\n'
    )
    edit(
        library / "pyproject.toml",
        "[tool.shipyard.test]",
        '[tool.shipyard.test]\ncommand = ["python", "garbage_report.py"]',
    )
    commit_all(library, "a test command that writes garbage")
    result = run(library, "test", "--python", "3.12", kind="report")
    text = result.text("test-3.12")
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("stage error", result.stages().get("test-3.12", {}).get("status") == "error")
    fault.check("names the report file", "junit.xml" in text)
    fault.check("no traceback", "Traceback" not in result.done.stderr)
    fault.check("reports written", result.reports_written())
    fault.record(f"exit {result.done.returncode}; test-3.12: {text[:160]}")


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Any:
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_output_dir_full(library: Path, small_tmpfs: Path) -> None:
    fault = Fault(
        "disk full in the --out directory (16 KiB tmpfs)", "one-line error naming --out, no traceback"
    )
    result = run(library, "lint", kind="diskfull", out=small_tmpfs / "out")
    fault.check(
        "one-line error", one_line_error(result, result.done.returncode) and result.done.returncode != 0
    )
    fault.check("names the directory", str(small_tmpfs) in result.last_line)
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}: {result.last_line[:200]}")


def test_output_dir_read_only(library: Path, small_tmpfs: Path) -> None:
    fault = Fault("read-only --out directory", "one-line error naming --out, no traceback")
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    result = run(library, "lint", kind="readonly", out=small_tmpfs / "out")
    fault.check(
        "one-line error", one_line_error(result, result.done.returncode) and result.done.returncode != 0
    )
    fault.check("names the directory", str(small_tmpfs) in result.last_line)
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}: {result.last_line[:200]}")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_run(library: Path, sig: signal.Signals, code: int) -> None:
    fault = Fault(f"{sig.name} of the whole run", f"exit {code}, summary interrupted=true, no leftovers")
    run_id = new_run_id(sig.name.lower())
    argv = [sys.executable, "-m", "shipyard", "run", "--source", str(library), "test", "--no-cache"]
    proc = subprocess.Popen(
        [*argv, "--python", "3.12", "--python", "3.13", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "SHIPYARD_RUN_ID": run_id},
    )
    deadline = time.monotonic() + 180
    while not running_containers(run_id) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(sig)
    output, _ = proc.communicate(timeout=180)
    result = Run(
        subprocess.CompletedProcess(argv, proc.returncode, output, ""), library / ".shipyard/out", run_id
    )
    data = result.summary()
    fault.check(f"exit {code}", proc.returncode == code)
    fault.check("summary says interrupted", data.get("interrupted") is True)
    fault.check("the error names the signal", sig.name in str(data.get("error")))
    fault.check("no traceback", "Traceback" not in output)
    fault.check("no leftovers", leftovers(run_id) == [])
    fault.record(f"exit {proc.returncode}; interrupted={data.get('interrupted')}; {data.get('error')}")


def test_stale_uv_lock(tmp_path: Path) -> None:
    fault = Fault("stale uv.lock (dependency added without relocking)", "stage error naming `uv lock`")
    project = git_copy("broken", tmp_path)
    edit(project / "pyproject.toml", '"pyjwt>=2.10,<3",', '"pyjwt>=2.10,<3",\n  "idna>=3",')
    commit_all(project, "a dependency without a relock")
    result = run(project, "test", "--python", "3.12", kind="stalelock")
    text = result.text("test-3.12")
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("stage error", result.stages().get("test-3.12", {}).get("status") == "error")
    fault.check("names the fix", "uv lock" in text)
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}; test-3.12: {text[:160]}")


# ---------------------------------------------------------------- the broken example: gates, compose, publish

BROKEN_LEAN = "\n[tool.shipyard.scan]\ntrivy = false\n"
"""No trivy vulnerability DB here: its parts would only be skipped; the faults need gitleaks only."""


@pytest.fixture(scope="module")
def gates_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One amd64 pipeline of broken with four faults on, each failing its own stage; publish must not run."""
    project = git_copy("broken", tmp_path_factory.mktemp("gates"))
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text() + BROKEN_LEAN)
    commit_all(project, "lean scans")
    enable(project, "lint", "failing-test", "secret", "unhealthy")
    return run(project, "publish", "--platform", "linux/amd64", "--python", "3.12", kind="gates")


@pytest.mark.parametrize(
    ("name", "stage", "names"),
    [
        ("gate: lint violation", "lint", "F401"),
        ("gate: failing test", "test-3.12", "test_fault_failing_test"),
        ("gate: secret in git history", "scan-history", "aws-access-token"),
        ("compose: unhealthy service", "compose", "app"),
    ],
)
def test_gate_faults_fail_their_stage_and_block_publish(
    gates_run: Run, name: str, stage: str, names: str
) -> None:
    fault = Fault(name, f"{stage} failed naming {names}; publish skipped; exit 1")
    stages = gates_run.stages()
    fault.check("exit 1", gates_run.done.returncode == 1)
    fault.check(f"{stage} failed", stages.get(stage, {}).get("status") == "failed")
    fault.check(f"names {names}", names in gates_run.text(stage))
    fault.check("publish skipped", stages.get("publish", {}).get("status") == "skipped")
    fault.check(
        "reports written", gates_run.reports_written() and (gates_run.out / "shipyard.sarif").is_file()
    )
    fault.check("no leftovers", leftovers(gates_run.run_id) == [])
    fault.record(
        f"exit {gates_run.done.returncode}; {stage}: {stages.get(stage, {}).get('status')}: "
        f"{gates_run.text(stage)[:120]}; publish: {stages.get('publish', {}).get('status')}"
    )


def test_coverage_floor(tmp_path: Path) -> None:
    fault = Fault("gate: coverage under the floor", "test failed naming coverage floor 80")
    project = git_copy("broken", tmp_path)
    enable(project, "coverage")
    result = run(project, "test", "--python", "3.12", kind="coverage")
    text = result.text("test-3.12")
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("test failed", result.stages().get("test-3.12", {}).get("status") == "failed")
    fault.check("names the floor", "coverage floor 80" in text)
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}; test-3.12: {text[:160]}")


def test_probe_failing(tmp_path: Path) -> None:
    fault = Fault("compose: HTTP probe failing (wrong path)", "compose failed naming the probe; no leftovers")
    project = git_copy("broken", tmp_path)
    edit(project / "pyproject.toml", 'path = "/healthz"', 'path = "/no-such-page"')
    commit_all(project, "a probe of a missing page")
    result = run(project, "compose", "--platform", "linux/amd64", kind="probe")
    text = result.text("compose")
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("compose failed", result.stages().get("compose", {}).get("status") == "failed")
    fault.check("names the probe", "/no-such-page" in text)
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(f"exit {result.done.returncode}; compose: {text[:160]}")


@dataclass(frozen=True)
class PublishTarget:
    project: Path
    repository: str
    proxy: RegistryProxy
    username: str
    password: str = field(repr=False)


@pytest.fixture(scope="module")
def publish_target(tmp_path_factory: pytest.TempPathFactory) -> Any:
    try:
        username, _, password = CREDENTIALS_FILE.read_text().strip().partition(":")
    except OSError as exc:
        pytest.skip(f"no credentials of the auth registry: {exc} (run the engine bootstrap as root)")
    proxy = RegistryProxy()
    project = git_copy("broken", tmp_path_factory.mktemp("publish"))
    path = f"shipyard-faults/broken-{secrets.token_hex(4)}"
    edit(
        project / "pyproject.toml",
        'name = "ghcr.io/shipyard-examples/broken"',
        f'name = "127.0.0.1:{proxy.port}/{path}"',
    )
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text() + BROKEN_LEAN + "\n[tool.shipyard.publish]\nsign = false\n"
    )
    commit_all(project, "publish through the proxy")
    yield PublishTarget(project, path, proxy, username, password)
    proxy.down()


def registry_tags(target: PublishTarget) -> list[str]:
    """The repository's tags on the real registry (not through the proxy)."""
    token = f"{target.username}:{target.password}".encode()
    request = urllib.request.Request(
        f"http://{AUTH_REGISTRY[0]}:{AUTH_REGISTRY[1]}/v2/{target.repository}/tags/list",
        headers={"Authorization": "Basic " + base64.b64encode(token).decode()},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - a fixed local URL
            return list(json.loads(answer.read()).get("tags") or [])
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise


def publish(target: PublishTarget, password: str, kind: str) -> Run:
    env = {"SHIPYARD_REGISTRY_USERNAME": target.username, "SHIPYARD_REGISTRY_PASSWORD": password}
    return run(target.project, "publish", "--platform", "linux/amd64", "--python", "3.12", kind=kind, env=env)


def test_registry_wrong_password(publish_target: PublishTarget) -> None:
    fault = Fault("registry: wrong password", "publish error naming the registry and user; no tag")
    publish_target.proxy.up()
    wrong = "wrong-" + secrets.token_hex(6)
    try:
        result = publish(publish_target, wrong, "wrongpw")
    finally:
        publish_target.proxy.down()
    text = result.text("publish")
    stages = result.stages()
    others = [s for sid, s in stages.items() if sid != "publish" and s["status"] not in ("passed", "n/a")]
    fault.check("every other stage passed", others == [])
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("publish error", stages.get("publish", {}).get("status") == "error")
    fault.check("names the refusal", "refused the credentials" in text)
    fault.check("password not echoed", wrong not in result.done.stdout + result.done.stderr + text)
    fault.check("no tag in the registry", registry_tags(publish_target) == [])
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(
        f"exit {result.done.returncode}; publish: {text[:160]}; tags: {registry_tags(publish_target)}"
    )


def test_registry_down_mid_push(publish_target: PublishTarget) -> None:
    fault = Fault(
        "registry goes down mid-push (after 3 upload requests)", "publish error; no tag, no partial set"
    )
    publish_target.proxy.up(cut_after=3)
    try:
        result = publish(publish_target, publish_target.password, "midpush")
    finally:
        publish_target.proxy.down()
    text = result.text("publish")
    fault.check("the push was cut", publish_target.proxy.uploads >= 3)
    fault.check("exit 1", result.done.returncode == 1)
    fault.check("publish error", result.stages().get("publish", {}).get("status") == "error")
    fault.check("names the registry", f"127.0.0.1:{publish_target.proxy.port}" in text)
    fault.check("no tag in the registry", registry_tags(publish_target) == [])
    fault.check("no publish.json", not (result.out / "publish" / "publish.json").exists())
    fault.check("no leftovers", leftovers(result.run_id) == [])
    fault.record(
        f"exit {result.done.returncode}; publish: {text[:160]}; tags: {registry_tags(publish_target)}"
    )


# ---------------------------------------------------------------- the table


@pytest.fixture(scope="session", autouse=True)
def fault_table(request: pytest.FixtureRequest) -> Iterator[list[dict[str, object]]]:
    """The table; written and printed when the session ends, whatever order the tests ran in.

    When the session ran at least MIN_FAULTS tests of this module, the table must hold at least
    that many distinct faults, every one handled.
    """
    yield FAULTS
    ran = [item for item in request.session.items if item.path == Path(__file__)]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(FAULTS, indent=2) + "\n")
    width = max((len(str(row["fault"])) for row in FAULTS), default=5)
    handled = sum(1 for row in FAULTS if row["handled"])
    lines = [f"\nfault table: {len(FAULTS)} faults, {handled} handled -> {ARTIFACT}"]
    lines += [
        f"{'ok ' if row['handled'] else 'NO '} {row['fault']!s:{width}}  {str(row['observed'])[:150]}"
        for row in FAULTS
    ]
    capture: Any = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        sys.stdout.write("\n".join(lines) + "\n")
    if len(ran) >= MIN_FAULTS:
        assert len({row["fault"] for row in FAULTS}) >= MIN_FAULTS, [row["fault"] for row in FAULTS]
    assert all(row["handled"] for row in FAULTS), [row for row in FAULTS if not row["handled"]]
