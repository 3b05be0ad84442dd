"""The Dagger module EXECUTED: the real ci/ code and the real dagger-io client against the emulated
engine (ci/tests/engine_emulator), which runs every query on the Docker Engine.

Parity: each function's verdict lines equal what `shipyard run` (the Docker executor) gives on
the same commit of the same example; a difference names the stage and both values.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

import anyio.to_thread
import dagger
import pytest
from dagger import dag
from engine_emulator.materialize import Materializer
from engine_emulator.server import Emulator, use_the_sdks_httpx
from engine_emulator.values import CacheVolume, Container, Op, Service, frozen_args
from engine_install import REPO, docker_engine
from tests.engine.helpers import (
    AUTH_REGISTRY,
    FAULTS,
    STAGES_FOR,
    RegistryProxy,
    broken_with,
    cosign_binary,
    enable_fault,
    git_copy,
    stage_message,
)

from shipyard.errors import GateFailedError
from shipyard_ci import Shipyard
from shipyard_ci import main as module_main
from shipyard_ci.main import SOURCE_IGNORE

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from shipyard.runner import RunState, StageRun

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures(docker_engine.__name__)]
EXAMPLES = REPO / "examples"
T = TypeVar("T")
CORE_LABELS = ("org.opencontainers.image.title", "org.opencontainers.image.version")
"""Labels the core stamps without git facts (the module is called without --commit here)."""


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    use_the_sdks_httpx()
    with Emulator() as engine:
        saved = {k: os.environ.get(k) for k in engine.env()}
        os.environ.update(engine.env())
        try:
            yield engine
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


async def on_module(project: Path, call: Callable[[Shipyard], Awaitable[T]], *, with_git: bool = False) -> T:
    """Call a function of the module on `project`, through a real SDK session with the emulator.

    `with_git`: pass the checkout's commit, ref and commit time, as the one-job workflow does
    (`--commit`, `--ref`, `--committed`), so stages that stamp them see what the Docker run sees.
    """
    facts = _git_facts(project) if with_git else {}
    async with dagger.connection(dagger.Config(retry=None)):
        source = dag.host().directory(str(project), exclude=SOURCE_IGNORE)
        return await call(Shipyard.create(source=source, **facts))


def _git_facts(project: Path) -> dict[str, str]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "ref": git("symbolic-ref", "HEAD"),
        "committed": git("show", "-s", "--format=%cI", "HEAD"),
    }


async def docker_verdicts(project: Path, *args: str) -> list[str]:
    """`shipyard run --json ARGS` on the Docker executor (in a worker thread), as verdict lines."""
    stages = await anyio.to_thread.run_sync(functools.partial(docker_stages, project, *args))
    return [line_of(entry) for entry in stages.values()]


def docker_stages(project: Path, *args: str) -> dict[str, Entry]:
    """`shipyard run --json ARGS` on the Docker executor: its summary.json's stages, by id."""
    done = subprocess.run(
        [sys.executable, "-m", "shipyard", "run", "--source", str(project), "--no-cache", "--json", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env={**os.environ, "NO_COLOR": "1"},
    )
    summary = project / ".shipyard" / "out" / "summary.json"
    assert summary.is_file(), done.stderr[-2000:]
    stages, _ = exported_stages(summary.parent)
    assert stages, done.stderr[-2000:]
    return stages


Entry = dict[str, object]
"""One stage as summary.json holds it: id, status, summary, details, counts, ..."""
VOLATILE_COUNTS = frozenset({"seconds"})
"""Counts that measure the run itself (time taken), not what it found."""
IMAGE_MB = re.compile(r"\b(\d+(?:\.\d+)?) MB\b")
SIZE_TOLERANCE = 0.01
"""An image's size is each engine's own measure, equal within 1%: the Docker executor reads the
image's Size, the module the size of the uncompressed archive (executor.py `_run_build`)."""
OUT_PATH = re.compile(r"(?<![\w.-])/\S*?/out/")
"""An executor's own output root in a message (a checkout's .shipyard/out, the module's scratch)."""
COMPOSE_CONTAINER = re.compile(r"\bcontainer [\w.-]+-([A-Za-z0-9_.]+-\d+)\b")
"""A compose container's name in a message: the project part is each executor's own (the Docker
executor's `shipyard-<run>-<stage>`, the module's private daemon's default, the directory name);
the service and replica stay compared."""


def line_of(entry: Entry) -> str:
    """A stage's verdict line, as the module's functions print it (main.verdict_lines)."""
    return f"{entry['id']}: {entry['status']}: {entry['summary']}"


def exported_stages(reports: Path) -> tuple[dict[str, Entry], bool]:
    """The stages (by id) and `ok` of a summary.json an executor wrote."""
    summary = json.loads((reports / "summary.json").read_text())
    return {str(s["id"]): cast("Entry", s) for s in summary["stages"]}, bool(summary["ok"])


def exported_lines(reports: Path) -> tuple[list[str], bool]:
    """The verdict lines and `ok` of a summary.json the module exported."""
    stages, ok = exported_stages(reports)
    return [line_of(entry) for entry in stages.values()], ok


def assert_same(dagger_lines: list[str], docker_lines: list[str]) -> None:
    by_stage = {line.split(":", 1)[0]: line for line in docker_lines}
    for line in dagger_lines:
        stage = line.split(":", 1)[0]
        assert line == by_stage.get(stage), (
            f"{stage}: dagger says {line!r}, docker says {by_stage.get(stage)!r}"
        )
    assert len(dagger_lines) == len(docker_lines), (dagger_lines, docker_lines)


def verdict_of(entry: Entry) -> dict[str, object]:
    """What parity compares: status, summary, details (output roots and compose project names
    elided), counts but times, and image sizes within SIZE_TOLERANCE."""
    counts = cast("dict[str, object]", entry.get("counts") or {})
    details = cast("list[object]", entry.get("details") or [])
    summary = str(entry["summary"])
    sizes = [float(mb) for mb in IMAGE_MB.findall(summary)]
    if "size_bytes" in counts:
        sizes.append(float(cast("int", counts["size_bytes"])) / 1e6)
    return {
        "status": entry["status"],
        "summary": IMAGE_MB.sub("<size> MB", summary),
        "details": [
            COMPOSE_CONTAINER.sub(r"container <project>-\1", OUT_PATH.sub("<out>/", str(d))) for d in details
        ],
        "counts": {k: v for k, v in counts.items() if k not in {*VOLATILE_COUNTS, "size_bytes"}},
        "sizes": sizes,
    }


def assert_same_stages(dagger: dict[str, Entry], docker: dict[str, Entry], *, every: bool = True) -> None:
    """Each of the module's stages says what the Docker executor's says; `every`: and no other ran."""
    assert dagger, "the module ran no stage"
    for stage, entry in dagger.items():
        assert stage in docker, f"{stage}: dagger ran it, docker did not (docker ran {sorted(docker)})"
        ours, theirs = verdict_of(entry), verdict_of(docker[stage])
        for key, value in ours.items():
            expected = pytest.approx(theirs[key], rel=SIZE_TOLERANCE) if key == "sizes" else theirs[key]
            assert value == expected, f"{stage} {key}: dagger says {value!r}, docker says {theirs[key]!r}"
    if every:
        assert sorted(dagger) == sorted(docker), f"dagger ran {sorted(dagger)}, docker ran {sorted(docker)}"


@dataclass(frozen=True)
class ModuleVerdict:
    """One module function's answer and the core's RunState behind it."""

    text: str
    """What the function returned, or the GateFailedError it raised said."""
    passed: bool
    stages: dict[str, Entry]
    """Each stage's verdict as the module's core judged it (summary.json's fields)."""


async def module_verdict(project: Path, call: Callable[[Shipyard], Awaitable[object]]) -> ModuleVerdict:
    """Call a verdict-returning function of the module (lint, test, scan) and keep its RunState.

    The module's functions print summaries only; the details and counts a parity check compares
    are read from the RunState they judge, recorded as it passes through `verdict` (a spy:
    the call is unchanged). Git facts are passed as the one-job workflow passes them.
    """
    judged: list[RunState] = []
    judge = module_main.verdict

    def recording(state: RunState) -> str:
        judged.append(state)
        return judge(state)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module_main, "verdict", recording)
        try:
            text, passed = str(await on_module(project, call, with_git=True)), True
        except GateFailedError as exc:
            text, passed = str(exc), False
    assert len(judged) == 1, f"{len(judged)} verdicts for one call"
    return ModuleVerdict(text, passed, {sid: entry_of(run) for sid, run in judged[0].runs.items()})


def entry_of(run: StageRun) -> Entry:
    """A stage's verdict in summary.json's shape (reports.summary.summary_data writes the same)."""
    result = run.result
    if result is None:
        return {"id": run.stage.id, "status": "interrupted", "summary": "did not finish"}
    return {
        "id": run.stage.id,
        "status": result.status.value,
        "summary": result.summary,
        "details": list(result.details),
        "counts": dict(result.counts),
    }


# ---------------------------------------------------------------- the emulator itself


@pytest.mark.anyio
async def test_an_unknown_field_is_an_error_naming_it(emulator: Emulator) -> None:
    del emulator
    async with dagger.connection(dagger.Config(retry=None)):
        ctr = dag.container().from_("python:3.12-slim").with_exposed_port(8000)
        with pytest.raises(dagger.QueryError, match=r"Service\.endpoint is not emulated"):
            await ctr.as_service().endpoint()
        with pytest.raises(dagger.QueryError, match=r"Container\.asService\(noInit\) is not emulated"):
            await dag.container().with_service_binding("x", ctr.as_service(no_init=True)).sync()


SERVE = "import http.server as h; h.HTTPServer(('', {port}), h.SimpleHTTPRequestHandler).serve_forever()"
"""A service's command: an HTTP server on a port."""
SERVE_AFTER = "import socket; socket.create_connection(('upstream', 8000), timeout=2); " + SERVE
"""The same, once `upstream` accepts a connection (it exits at once when it does not)."""
FETCH = "import urllib.request as u; print(u.urlopen('http://web:8001/', timeout=5).status)"


def service_containers(emulator: Emulator) -> list[str]:
    """The names of this session's service containers (services.py names them by session)."""
    prefix = f"shipyard-emu-{emulator.fields.run.session}-emu-"
    listed = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"name={prefix}", "--format", "{{.Names}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return listed.stdout.split()


@pytest.mark.anyio
async def test_a_bound_service_starts_after_its_own_and_resolves_by_alias_and_stop_removes_it(
    emulator: Emulator,
) -> None:
    python = "python:3.12-slim"
    async with dagger.connection(dagger.Config(retry=None)):
        upstream = (
            dag.container().from_(python).with_exposed_port(8000)
            .as_service(args=["python", "-c", SERVE.format(port=8000)])
        )  # fmt: skip
        web = (
            dag.container().from_(python).with_service_binding("upstream", upstream).with_exposed_port(8001)
            .as_service(args=["python", "-c", SERVE_AFTER.format(port=8001)])
        )  # fmt: skip
        client = dag.container().from_(python).with_service_binding("web", web)
        # started by the exec that needs it, its own binding first; detached (stopped) after it
        assert await client.with_exec(["python", "-c", FETCH]).stdout() == "200\n"
        assert service_containers(emulator) == []
        ports = await dag.container().from_("postgres:15-bookworm").exposed_ports()
        assert [(await p.port(), await p.protocol()) for p in ports] == [(5432, dagger.NetworkProtocol.TCP)]
        started = await web.start()
        assert len(service_containers(emulator)) == 2, "web and the upstream it binds"
        assert (
            await client.with_env_variable("AGAIN", "1").with_exec(["python", "-c", FETCH]).stdout()
            == "200\n"
        )
        _ = await started.stop()
        assert service_containers(emulator) == [], "stop removes it, and the upstream only it held"
        _ = await started.stop()  # not running: a no-op (core/services.go Stop)


def test_a_closed_session_leaves_no_container_network_or_volume_of_its_own() -> None:
    """A service still running (with a PRIVATE cache) when the session ends is removed with it."""
    run = Materializer()
    ctr = Container().then(Op("from", frozen_args({"address": "python:3.12-slim"})))
    cache = frozen_args({"path": "/data", "cache": CacheVolume("self-test"), "sharing": "PRIVATE"})
    ctr = ctr.then(Op("withMountedCache", cache)).then(Op("withExposedPort", frozen_args({"port": 8000})))
    try:
        running = run.services.start(Service(ctr, ("python", "-c", SERVE.format(port=8000))), explicit=True)
        assert running.ip
    finally:
        run.close()
    for kind in (("ps", "-a"), ("network", "ls"), ("volume", "ls")):
        argv = ["docker", *kind, "-q", "--filter", f"label={run.label}"]
        left = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
        assert left == [], f"docker {' '.join(kind)}: {left}"


@pytest.mark.anyio
async def test_a_failed_exec_reaches_the_caller_as_the_sdks_exec_error(emulator: Emulator) -> None:
    del emulator
    async with dagger.connection(dagger.Config(retry=None)):
        ctr = (
            dag.container()
            .from_("python:3.12-slim")
            .with_exec(["sh", "-c", "echo out; echo err >&2; exit 3"])
        )
        with pytest.raises(dagger.ExecError) as caught:
            await ctr.sync()
        assert (caught.value.exit_code, caught.value.stdout, caught.value.stderr) == (3, "out\n", "err\n")
        assert caught.value.command == ["sh", "-c", "echo out; echo err >&2; exit 3"]
        lenient = (
            dag.container()
            .from_("python:3.12-slim")
            .with_exec(["sh", "-c", "exit 4"], expect=dagger.ReturnType.ANY)
        )
        assert await lenient.exit_code() == 4


@pytest.mark.anyio
async def test_redirects_resolve_against_the_workdir_and_caches_persist(emulator: Emulator) -> None:
    del emulator
    async with dagger.connection(dagger.Config(retry=None)):
        cache = dag.cache_volume("emulator-self-test")
        base = (
            dag.container().from_("python:3.12-slim").with_mounted_cache("/cache", cache).with_workdir("/w")
        )
        wrote = base.with_exec(["sh", "-c", "date +%N > /cache/stamp; echo hi"], redirect_stdout="out.txt")
        assert await wrote.file("/w/out.txt").contents() == "hi\n"
        stamp = await wrote.with_exec(["cat", "/cache/stamp"]).stdout()
        again = await base.with_exec(["cat", "/cache/stamp"]).stdout()
        assert stamp.strip()
        assert stamp == again


@pytest.mark.anyio
async def test_a_secrets_value_is_in_no_query(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMULATOR_TEST_TOKEN", "s3cr3t-value-123")
    async with dagger.connection(dagger.Config(retry=None)):
        secret = dag.secret("env://EMULATOR_TEST_TOKEN")
        ctr = (
            dag.container()
            .from_("python:3.12-slim")
            .with_secret_variable("TOKEN", secret)
            .with_exec(["sh", "-c", 'printf %s "$TOKEN" | sha256sum'])
        )
        assert (await ctr.stdout()).split()[0] == hashlib.sha256(b"s3cr3t-value-123").hexdigest()
        with pytest.raises(dagger.QueryError, match="expand cannot be used with secret env variable"):
            await ctr.with_exec(["echo", "$TOKEN"], expand=True).sync()
    assert emulator.queries
    assert not any("s3cr3t-value-123" in q for q in emulator.queries)


# ---------------------------------------------------------------- the module, executed


@pytest.mark.anyio
async def test_lint_executes_and_gives_the_docker_executors_verdict(
    emulator: Emulator, tmp_path: Path
) -> None:
    del emulator
    project = git_copy("library", tmp_path)
    lines = (await on_module(project, lambda ship: ship.lint())).splitlines()
    assert lines
    assert lines[0].startswith("lint: passed: ")
    assert_same(lines, await docker_verdicts(project, "lint"))


@pytest.mark.anyio
async def test_test_executes_on_one_python_with_the_docker_executors_counts(
    emulator: Emulator, tmp_path: Path
) -> None:
    del emulator
    project = git_copy("library", tmp_path)
    lines = (await on_module(project, lambda ship: ship.test(python="3.12"))).splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["test-3.12"]
    assert_same(lines, await docker_verdicts(project, "test", "--python", "3.12"))


@pytest.mark.anyio
async def test_bench_executes_on_main_and_returns_the_baseline_it_recorded(
    emulator: Emulator, tmp_path: Path
) -> None:
    """The module's half only: the Docker executor's run of the same (a pass, `no baseline yet`, the
    file recorded) is tests/engine/test_bench.py, and running it twice here costs minutes."""
    del emulator
    project = git_copy("library", tmp_path)

    async def recorded(ship: Shipyard) -> str:
        return await (await ship.bench()).file("bench.json").contents()

    judged = await module_verdict(project, recorded)  # ref refs/heads/main: it records the baseline
    bench = judged.stages["bench"]
    assert judged.passed, judged.text
    assert str(bench["summary"]).startswith("bench: passed: no baseline yet (2 benchmark(s) ran"), bench
    assert cast("list[str]", bench["details"])[0] == "baseline: no baseline yet"
    benchmarks = cast("list[dict[str, object]]", json.loads(judged.text)["benchmarks"])
    assert [b["fullname"] for b in benchmarks] == [
        "benchmarks/test_bench.py::test_parse",
        "benchmarks/test_bench.py::test_sort",
    ]
    rounds = [len(cast("list[float]", cast("dict[str, object]", b["stats"])["data"])) for b in benchmarks]
    assert min(rounds) >= 20, rounds  # [tool.shipyard.bench] min_rounds of examples/library


@pytest.mark.anyio
async def test_a_failing_gate_raises_the_cores_verdict_on_both(emulator: Emulator, tmp_path: Path) -> None:
    del emulator
    project = git_copy("library", tmp_path)
    module = next(project.glob("src/*/__init__.py"))
    module.write_text(module.read_text() + "\nimport os\n")
    commit = ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qam", "lint fault"]
    await anyio.to_thread.run_sync(functools.partial(subprocess.run, commit, cwd=project, check=True))
    with pytest.raises(GateFailedError) as caught:
        await on_module(project, lambda ship: ship.lint())
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("lint: failed: ")
    assert_same(lines, await docker_verdicts(project, "lint"))


@pytest.mark.anyio
async def test_build_executes_and_labels_the_image_as_the_docker_executor_does(
    emulator: Emulator, tmp_path: Path
) -> None:
    del emulator
    project = git_copy("webapp", tmp_path)

    async def facts(ship: Shipyard) -> str:
        image = await ship.build(platform=dagger.Platform("linux/amd64"))
        labels = {name: await image.label(name) or "" for name in CORE_LABELS}
        size = await image.as_tarball().size()
        return json.dumps({"user": await image.user(), "labels": labels, "size": size})

    built = json.loads(await on_module(project, facts))
    lines = await docker_verdicts(project, "build", "--platform", "linux/amd64")
    assert lines[0].startswith("build-linux-amd64: passed")
    metadata = json.loads((project / ".shipyard" / "out" / "build-linux-amd64" / "build.json").read_text())
    assert built["user"] == metadata["user"]
    for name in CORE_LABELS:
        assert built["labels"][name] == metadata.get(f"label:{name}", ""), name
    assert built["size"] > 0


@pytest.mark.anyio
async def test_ci_extended_exports_every_report_with_the_docker_executors_verdicts(
    emulator: Emulator, tmp_path: Path
) -> None:
    del emulator
    project = git_copy("library", tmp_path)
    # one Python: parity is per stage, and every kind of stage is in the tier with one leg each
    pyproject = project / "pyproject.toml"
    matrix = 'python = ["3.10", "3.11", "3.12", "3.13"]'
    assert matrix in pyproject.read_text(encoding="utf-8")
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(matrix, 'python = ["3.12"]'))
    commit = ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qam", "one python"]
    await anyio.to_thread.run_sync(functools.partial(subprocess.run, commit, cwd=project, check=True))
    reports = tmp_path / "reports"

    async def run_ci(ship: Shipyard) -> str:
        return await (await ship.ci(tier="extended")).export(str(reports))

    await on_module(project, run_ci, with_git=True)
    lines, ok = exported_lines(reports)
    assert ok, lines
    assert_same(lines, await docker_verdicts(project, "--tier", "extended"))
    for name in ("summary.md", "report.html", "shipyard.sarif", "SHA256SUMS", "lint/ruff.json"):
        assert (reports / name).is_file(), name
    assert not list(reports.rglob("*.tar"))


REGISTRY = "127.0.0.1:5001"
CREDENTIALS_FILE = Path("/var/lib/shipyard-engine/registry-auth.credentials")
LEAN_WEBAPP = """
[tool.shipyard]
python = ["3.12"]
tier = "full"

[tool.shipyard.test]
markers = "not integration"
coverage_floor = 80

[tool.shipyard.image]
name = "{image}"
platforms = ["linux/amd64"]
"""
"""webapp, lean: one Python and one platform of its four and two, and no compose stack (its `db`
image would have to be pulled by the module's private daemon, and no registry is reachable from a
container here: docs/dagger.md); its own markers and coverage floor."""
NO_TRIVY = """
[tool.shipyard.scan]
trivy = false
"""
"""No trivy: without a vulnerability DB its vuln part is skipped, and a skipped part blocks publishing."""


def lean_webapp(tmp_path: Path, *, image: str, extra: str = "") -> Path:
    """A git copy of examples/webapp with the LEAN_WEBAPP config (and `extra`), committed."""
    project = git_copy("webapp", tmp_path)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text[: text.index("[tool.shipyard]")] + LEAN_WEBAPP.format(image=image) + extra)
    (project / "compose.yaml").unlink()
    commit = ["git", "-c", "user.name=t", "-c", "user.email=t@e.invalid", "commit", "-qam", "lean"]
    subprocess.run(commit, cwd=project, check=True)
    return project


@dataclass(frozen=True)
class Target:
    """A lean webapp checkout set to publish to the local auth registry, and cosign keys."""

    project: Path
    repository: str
    """Behind `proxy`: the registry is 127.0.0.1:5001, reached through a proxy that can fail."""
    proxy: RegistryProxy
    sha: str
    user: str
    password: str = field(repr=False)
    key_password: str = field(repr=False)
    keys: Path
    cosign: Path

    def verify(self, reference: str, home: Path) -> subprocess.CompletedProcess[str]:
        """`cosign verify` with the public key, as a user would (the host's cosign)."""
        config = home / "docker"
        config.mkdir()
        auth = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        host = reference.split("/", 1)[0]
        (config / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))
        argv = [str(self.cosign), "verify", "--key", str(self.keys / "cosign.pub")]
        argv += ["--insecure-ignore-tlog=true", "--allow-http-registry", reference]
        env = {"DOCKER_CONFIG": str(config), "HOME": str(home), "PATH": "/usr/bin:/bin"}
        return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def target(tmp_path: Path) -> Target:
    user, _, password = CREDENTIALS_FILE.read_text(encoding="utf-8").strip().partition(":")
    keys = tmp_path / "keys"
    keys.mkdir()
    cosign = cosign_binary(keys)
    key_password = secrets.token_hex(8)
    generate = [str(cosign), "generate-key-pair"]
    env = {"COSIGN_PASSWORD": key_password, "PATH": "/usr/bin:/bin"}
    subprocess.run(generate, cwd=keys, env=env, capture_output=True, check=True)
    proxy = RegistryProxy()
    repository = f"127.0.0.1:{proxy.port}/shipyard-tests/webapp-emulated-{secrets.token_hex(4)}"
    project = lean_webapp(tmp_path, image=repository, extra=NO_TRIVY)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    )
    return Target(project, repository, proxy, head.stdout.strip(), user, password, key_password, keys, cosign)


@pytest.mark.anyio
async def test_publish_is_all_or_nothing_then_signed_and_verified(
    emulator: Emulator, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registry that goes down mid-push leaves no tag; the same publish, registry up, signs."""
    monkeypatch.setenv("EMU_REGISTRY_PASSWORD", target.password)
    monkeypatch.setenv("EMU_COSIGN_KEY", (target.keys / "cosign.key").read_text(encoding="utf-8"))
    monkeypatch.setenv("EMU_COSIGN_PASSWORD", target.key_password)

    async def publish(_: Shipyard) -> str:
        ship = Shipyard.create(
            source=dag.host().directory(str(target.project), exclude=SOURCE_IGNORE),
            commit=target.sha,
            ref="refs/heads/main",
            committed="2026-11-30T12:00:00+00:00",
        )
        return await ship.publish(
            username=target.user,
            password=dag.secret("env://EMU_REGISTRY_PASSWORD"),
            cosign_key=dag.secret("env://EMU_COSIGN_KEY"),
            cosign_password=dag.secret("env://EMU_COSIGN_PASSWORD"),
        )

    path = target.repository.split("/", 1)[1]
    target.proxy.up(cut_after=3)
    try:
        with pytest.raises(GateFailedError) as caught:
            await on_module(target.project, publish)
    finally:
        target.proxy.down()
    failed = next(line for line in str(caught.value).splitlines() if line.startswith("publish:"))
    assert failed.startswith("publish: error: cannot reach registry"), str(caught.value)
    assert await anyio.to_thread.run_sync(registry_tags, target, path) == [], "a tag moved without its push"

    target.proxy.up()
    try:
        lines = (await on_module(target.project, publish)).splitlines()
    finally:
        target.proxy.down()
    verdicts = {line.split(":", 1)[0]: line for line in lines}
    assert verdicts["publish"].startswith("publish: passed: published sha256:"), lines
    tags = await anyio.to_thread.run_sync(registry_tags, target, path)
    assert f"sha-{target.sha[:7]}" in tags, tags
    reference = f"{REGISTRY}/{path}:sha-{target.sha[:7]}"
    verify = await anyio.to_thread.run_sync(target.verify, reference, tmp_path)
    assert verify.returncode == 0, verify.stderr[-2000:]
    for value in (target.password, target.key_password):
        assert value not in str(caught.value)
        assert not any(value in query for query in emulator.queries)


def registry_tags(target: Target, path: str) -> list[str]:
    """The tags the real registry has for `path` (none when the repository was never created)."""
    auth = base64.b64encode(f"{target.user}:{target.password}".encode()).decode()
    request = urllib.request.Request(
        f"http://{AUTH_REGISTRY[0]}:{AUTH_REGISTRY[1]}/v2/{path}/tags/list",
        headers={"Authorization": f"Basic {auth}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return list(json.loads(answer.read()).get("tags") or [])
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise


# ---------------------------------------------------------------- webapp: lint, test, ci

WEBAPP_IMAGE = "shipyard-tests/webapp-emulated"
"""A name of its own: every run overwrites the same local tag, none is pushed."""


@pytest.fixture(scope="module")
def webapp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lean_webapp(tmp_path_factory.mktemp("webapp"), image=WEBAPP_IMAGE)


@pytest.fixture(scope="module")
def webapp_on_docker(webapp: Path, docker_engine: None) -> dict[str, Entry]:
    """The Docker executor's extended tier on the lean webapp: run once, read by every webapp test."""
    del docker_engine
    return docker_stages(webapp, "--tier", "extended")


@pytest.mark.anyio
async def test_webapp_ci_extended_gives_the_docker_executors_verdicts_counts_and_findings(
    emulator: Emulator, webapp: Path, webapp_on_docker: dict[str, Entry], tmp_path: Path
) -> None:
    del emulator
    reports = tmp_path / "reports"

    async def run_ci(ship: Shipyard) -> str:
        return await (await ship.ci(tier="extended")).export(str(reports))

    await on_module(webapp, run_ci, with_git=True)
    stages, ok = exported_stages(reports)
    assert ok, [line_of(entry) for entry in stages.values()]
    extended = {"lint", "test-3.12", "package", "package-smoke-3.12", "build-linux-amd64", "sbom"}
    assert {*extended, "scan-history", "scan-source", "scan-image"} == set(stages), sorted(stages)
    assert_same_stages(stages, webapp_on_docker)


@pytest.mark.anyio
async def test_webapp_lint_gives_the_docker_executors_verdict(
    emulator: Emulator, webapp: Path, webapp_on_docker: dict[str, Entry]
) -> None:
    del emulator
    ours = await module_verdict(webapp, lambda ship: ship.lint())
    assert ours.passed, ours.text
    assert list(ours.stages) == ["lint"]
    assert_same_stages(ours.stages, webapp_on_docker, every=False)


@pytest.mark.anyio
async def test_webapp_test_gives_the_docker_executors_counts_and_coverage(
    emulator: Emulator, webapp: Path, webapp_on_docker: dict[str, Entry]
) -> None:
    del emulator
    ours = await module_verdict(webapp, lambda ship: ship.test(python="3.12"))
    assert ours.passed, ours.text
    assert list(ours.stages) == ["test-3.12"]
    counts = cast("dict[str, float]", ours.stages["test-3.12"]["counts"])
    assert counts["tests"] > 0, counts
    assert counts["coverage"] >= 80, counts  # LEAN_WEBAPP's floor
    assert_same_stages(ours.stages, webapp_on_docker, every=False)


# ---------------------------------------------------------------- examples/broken: one fault per call

MODULE_FUNCTION: dict[str, Callable[[Shipyard], Awaitable[object]]] = {
    "lint": lambda ship: ship.lint(),
    "test": lambda ship: ship.test(python="3.12"),
    "scan": lambda ship: ship.scan(),
    "compose": lambda ship: ship.compose_test(),
}
"""The module's function for what STAGES_FOR gives `shipyard run` (`test --python 3.12`, `scan`, ...)."""
NOT_EMULATED = {
    "vulnerable": "needs-trivy-db: only trivy's vulnerability DB finds it, which this host cannot have",
}
"""Faults the emulator cannot show, with why (docs/dagger.md lists them)."""
ONE_CALL = ("secret", "root")
"""Scan faults whose gates are stages of their own (scan-history, scan-source): one `scan()` call
(a build and three scans, the costliest call here) shows both, each gate naming its own fault."""


def fault_cases() -> list[object]:
    """One case per module call: a fault of `faults.py list` (ONE_CALL together), or a skip with why."""
    cases: list[object] = []
    for fault in FAULTS:
        if fault in NOT_EMULATED:
            reason = NOT_EMULATED[fault]
            skip = pytest.mark.skip(reason=reason)
            cases.append(pytest.param((fault,), marks=skip, id=f"{fault}-skipped-{reason.split(':')[0]}"))
        elif fault not in ONE_CALL[1:]:
            faults = ONE_CALL if fault in ONE_CALL else (fault,)
            gates = [gate for f in faults for gate in STAGES_FOR[f][1]]
            cases.append(pytest.param(faults, id=f"{'+'.join(faults)}-fails-{'+'.join(gates)}"))
    return cases


def test_every_broken_fault_has_a_module_function_or_a_reason() -> None:
    assert set(STAGES_FOR) == set(FAULTS)
    for fault, (args, _) in STAGES_FOR.items():
        assert fault in NOT_EMULATED or args[0] in MODULE_FUNCTION, fault
    assert STAGES_FOR["failing-test"][0] == ("test", "--python", "3.12"), "MODULE_FUNCTION's test Python"
    assert set(NOT_EMULATED) <= set(FAULTS)
    assert len({STAGES_FOR[f][0] for f in ONE_CALL}) == 1, "ONE_CALL's faults need the same call"
    gates = [gate for f in ONE_CALL for gate in STAGES_FOR[f][1]]
    assert len(gates) == len(set(gates)), "ONE_CALL's faults must fail gates of their own"


@pytest.mark.anyio
@pytest.mark.parametrize("faults", fault_cases())
async def test_a_broken_fault_fails_the_same_gate_by_name_on_both(
    emulator: Emulator, faults: tuple[str, ...], tmp_path: Path
) -> None:
    """A fault on, the smallest module function that reaches its gate: the gate fails on both
    executors, its message names what `faults.py list` says, and every stage's verdict is equal."""
    del emulator
    project = broken_with(faults[0], tmp_path)
    for fault in faults[1:]:
        enable_fault(project, fault)
    args = STAGES_FOR[faults[0]][0]
    ours = await module_verdict(project, MODULE_FUNCTION[args[0]])
    theirs = await anyio.to_thread.run_sync(functools.partial(docker_stages, project, *args))
    assert not ours.passed, ours.text
    for fault in faults:
        for gate in STAGES_FOR[fault][1]:
            assert f"{gate}: failed: " in ours.text, ours.text
            for executor, stages in (("dagger", ours.stages), ("docker", theirs)):
                entry = stages.get(gate) or {"status": "did not run", "summary": ""}
                assert entry["status"] == "failed", f"{fault}: {gate} on {executor}: {entry}"
                assert FAULTS[fault].names in stage_message(entry), f"{fault}: {gate} on {executor}: {entry}"
    assert_same_stages(ours.stages, theirs)


# ---------------------------------------------------------------- examples/services: test services


@pytest.mark.anyio
async def test_a_test_leg_reaches_its_compose_service_by_name_as_on_the_docker_executor(
    emulator: Emulator, tmp_path: Path
) -> None:
    """examples/services' tests talk to PostgreSQL at `db:5432`: on the module the compose file's
    `db` runs as an engine service bound to the leg by that name (shipyard_ci/services.py), on
    Docker as a compose service; the leg's verdict, counts and coverage are the same, and the
    service is gone afterwards."""
    project = git_copy("services", tmp_path)
    ours = await module_verdict(project, lambda ship: ship.test(python="3.12"))
    assert ours.passed, ours.text
    assert list(ours.stages) == ["test-3.12"]
    assert service_containers(emulator) == [], "the leg stops the services it started"
    theirs = await anyio.to_thread.run_sync(functools.partial(docker_stages, project, "test"))
    assert_same_stages(ours.stages, theirs)


@pytest.mark.anyio
async def test_a_healthy_stack_passes_compose_with_the_docker_executors_probes(
    emulator: Emulator, tmp_path: Path
) -> None:
    """examples/broken, no fault: its stack comes up healthy in the module's private daemon and the
    core's probes reach the published port through it; the verdict and counts equal Docker's."""
    del emulator
    project = broken_with(None, tmp_path)
    ours = await module_verdict(project, lambda ship: ship.compose_test())
    theirs = await anyio.to_thread.run_sync(functools.partial(docker_stages, project, "compose"))
    assert ours.passed, ours.text
    assert ours.stages["compose"]["status"] == "passed", ours.stages["compose"]
    assert_same_stages(ours.stages, theirs)
