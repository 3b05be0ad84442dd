"""The query each function builds, checked against the core's stages for examples/webapp.

Expected values are computed from `shipyard.plan.graph.all_stages`, never written out, so the
Dagger executor and the Docker executor cannot drift apart.
"""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import fnmatch
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

import dagger
import pytest
from dagger import dag
from dagger.client._core import Context
from dagger_offline import Selection, chain, ctx_chain, find, patch_engine, sub

from shipyard.errors import GateFailedError
from shipyard.executor import StepContext
from shipyard.oci.reference import Repository
from shipyard.publish.signing import cosign_commands
from shipyard.runner import RunState
from shipyard.stages.build import IMAGE_TAR, SCAN_TAR, build_stage_id
from shipyard.stages.compose_observation import read_observation
from shipyard.stages.publish import COSIGN_KEY, COSIGN_PASSWORD, REGISTRY_PASSWORD, publish_params
from shipyard.stages.spec import OUTDIR, BuildStep, ComposeStep, ContainerStep, PublishStep, Stage
from shipyard_ci import Shipyard, compose
from shipyard_ci.compose import ATTEMPT_ENV
from shipyard_ci.executor import DaggerExecutor
from shipyard_ci.publish import COSIGN, KEY, SIGNER_USER, WRAPPER, DaggerSigner
from shipyard_ci.session import Loaded, git_facts, loaded

if TYPE_CHECKING:
    from shipyard.stages.result import StageResult

WEBAPP = Path(__file__).resolve().parents[2] / "examples" / "webapp"
SHA = "0123456789abcdef0123456789abcdef01234567"
GIT = git_facts(SHA, "refs/heads/main", "2026-11-01T12:00:00+00:00")
SOURCE: list[Selection] = [("directory", {}), ("withNewFile", {"path": "marker", "contents": "x"})]


def copy_webapp(dest: Path) -> None:
    shutil.copytree(WEBAPP, dest, ignore=shutil.ignore_patterns("__pycache__", ".venv", ".pytest_cache"))


@pytest.fixture
def project(tmp_path: Path) -> Loaded:
    copy_webapp(tmp_path / "src")
    return loaded(tmp_path / "src", GIT)


@pytest.fixture
def ship() -> Shipyard:
    return Shipyard.create(source=dag.directory().with_new_file("marker", "x"))


def container_action(stage: Stage) -> ContainerStep:
    assert isinstance(stage.action, ContainerStep)
    return stage.action


def assert_container_matches_core(sels: list[Selection], stage: Stage, project: Loaded) -> None:
    step = container_action(stage)
    assert find(sels, "container")[0] == ({"platform": step.platform} if step.platform else {})
    assert find(sels, "from")[0] == {"address": step.image}
    assert [(a["path"], a["cache"]) for a in find(sels, "withMountedCache")] == [
        (c.path, [("cacheVolume", {"key": c.name})]) for c in step.caches
    ]
    assert [(a["path"], a["source"], a["permissions"]) for a in find(sels, "withFile")] == [
        (t.dest, [("container", {}), ("from", {"address": t.image}), ("file", {"path": t.source})], 0o755)
        for t in step.tools
    ]
    assert {str(a["name"]): a["value"] for a in find(sels, "withEnvVariable")} == dict(step.env)
    dirs = find(sels, "withDirectory")
    assert dirs[0] == {"path": OUTDIR, "source": [("directory", {})]}
    files = project.select(stage)
    source = {"path": step.files_dir, "source": [*SOURCE, ("filter", {"include": files})]}
    if step.environment is None:
        assert dirs[1] == source
        assert find(sels, "withWorkdir") == [{"path": step.workdir}]
    else:  # the setup's files, its commands, then the source (test_the_install_exec_reads_no_source)
        reads = [path for path in step.environment.reads if path in files]
        setup = [*SOURCE, ("filter", {"include": reads})] if reads else [("directory", {})]
        assert dirs[1] == {"path": step.files_dir, "source": setup}
        assert dirs[2] == source
        assert find(sels, "withWorkdir") == [{"path": step.workdir}] * 2
    execs = find(sels, "withExec")
    assert [e["args"] for e in execs] == [list(c.argv) for c in step.commands]
    for args, command in zip(execs, step.commands, strict=True):
        assert args.get("expect") == ("ANY" if command.may_fail else None)
        assert args.get("redirectStdout") == (f"{OUTDIR}/{command.stdout}" if command.stdout else None)


# lazy chains ----------------------------------------------------------------------------------


def test_lint_container_is_the_core_lint_stage(ship: Shipyard, project: Loaded) -> None:
    stage = project.stages()["lint"]
    sels = chain(ship.stage_container(project, stage, {}))
    assert_container_matches_core(sels, stage, project)
    ruff = project.project.config.tools["ruff"]
    tool = sub(find(sels, "withFile")[0]["source"])
    assert tool[1] == ("from", {"address": ruff.pinned})  # tag AND digest
    assert "@sha256:" in ruff.pinned
    assert [c["path"] for c in find(sels, "withMountedCache")] == ["/cache/ruff"]


@pytest.mark.parametrize("version", ["3.10", "3.11", "3.12", "3.13"])
def test_test_container_per_python_is_the_core_test_stage(
    ship: Shipyard, project: Loaded, version: str
) -> None:
    stage = project.stages()[f"test-{version}"]
    sels = chain(ship.stage_container(project, stage, {}))
    assert_container_matches_core(sels, stage, project)
    assert find(sels, "from")[0] == {"address": f"python:{version}-slim"}
    caches = find(sels, "withMountedCache")
    assert [(c["path"], sub(c["cache"])[0][1]["key"]) for c in caches] == [("/cache/uv", "shipyard-uv")]
    uv = project.project.config.tools["uv"]
    assert find(sels, "withFile")[0]["source"] == [
        ("container", {}),
        ("from", {"address": uv.pinned}),
        ("file", {"path": uv.binary}),
    ]


def test_the_install_exec_reads_no_source_so_a_source_edit_keeps_its_cache(
    ship: Shipyard, project: Loaded
) -> None:
    stage = project.stages()["test-3.12"]
    step = container_action(stage)
    assert step.environment is not None
    sels = chain(ship.stage_container(project, stage, {}))
    execs = [i for i, (name, _) in enumerate(sels) if name == "withExec"]
    setup = len(step.setup_commands)
    before_install = sels[: execs[setup - 1] + 1]  # the install exec's receiver chain, itself included
    assert sels[execs[0]][1]["args"] == list(step.commands[0].argv)
    assert "--no-install-local" in step.commands[0].argv
    placed = [sub(args["source"]) for name, args in before_install if name == "withDirectory"]
    filters = [args["include"] for sel in placed for name, args in sel if name == "filter"]
    assert filters == [["pyproject.toml", "uv.lock"]]  # lock files only: no file of src/ or tests/
    # the source comes after the setup and before the project's own install and pytest
    after = sels[execs[setup - 1] :]
    assert any(name == "withDirectory" and args["path"] == step.workdir for name, args in after)
    assert [sels[i][1]["args"] for i in execs[setup:]] == [list(c.argv) for c in step.main_commands]


@pytest.mark.parametrize("platform", ["linux/amd64", "linux/arm64"])
def test_build_is_the_core_build_stage(ship: Shipyard, project: Loaded, platform: str) -> None:
    stage = project.stages()[build_stage_id(platform)]
    assert isinstance(stage.action, BuildStep)
    step = stage.action
    sels = chain(ship.image(project, platform))
    (build,) = find(sels, "dockerBuild")
    assert build["platform"] == platform
    assert "dockerfile" not in build  # "Dockerfile" is the schema default, dropped from the query
    assert build["buildArgs"] == [{"name": k, "value": v} for k, v in sorted(step.build_args.items())]
    assert build["buildArgs"]  # REVISION, VERSION, CREATED at least
    assert {str(a["name"]): a["value"] for a in find(sels, "withLabel")} == dict(step.labels)
    assert dict(step.labels)["org.opencontainers.image.revision"] == SHA
    assert find(sels, "filter") == [{"include": project.select(stage)}]


def test_sbom_runs_the_core_sbom_stage_on_the_host_platform_image(ship: Shipyard, project: Loaded) -> None:
    stage = project.stages()["sbom"]
    step = container_action(stage)
    sels = chain(ship.sbom_file(project))
    syft = project.project.config.tools["syft"]
    assert find(sels, "from") == [{"address": syft.pinned}]
    assert [e["args"] for e in find(sels, "withExec")] == [list(c.argv) for c in step.commands]
    assert {str(a["name"]): a["value"] for a in find(sels, "withEnvVariable")} == dict(step.env)
    (wanted,) = step.images_from
    image_input = next(d for d in find(sels, "withFile") if d["path"] == wanted.path)
    assert sub(image_input["source"]) == [
        *chain(ship.image(project, project.context.host_platform)),
        ("asTarball", {"forcedCompression": "Uncompressed", "mediaTypes": "DockerMediaTypes"}),
    ]
    assert wanted.stage == build_stage_id(project.context.host_platform)
    assert sels[-1] == ("file", {"path": f"{OUTDIR}/sbom.cdx.json"})


def test_history_scan_mounts_git_only_when_the_source_has_it(ship: Shipyard, project: Loaded) -> None:
    stage = project.stages()["scan-history"]
    assert stage.not_applicable is not None  # the copy has no .git
    assert stage.not_applicable.startswith("not in a git repository")
    (project.root / ".git").mkdir()
    sels = chain(ship.stage_container(project, project.stages()["scan-history"], {}))
    (tree,) = [d for d in find(sels, "withDirectory") if d["path"] != OUTDIR]
    assert sub(tree["source"]) == [
        ("directory", {}),
        ("withDirectory", {"path": ".git", "source": [*SOURCE, ("directory", {"path": ".git"})]}),
    ]
    gitleaks = project.project.config.tools["gitleaks"]
    assert find(sels, "from") == [{"address": gitleaks.pinned}]


def test_source_scan_uses_the_trivy_cache(ship: Shipyard, project: Loaded) -> None:
    stage = project.stages()["scan-source"]
    sels = chain(ship.stage_container(project, stage, {}))
    assert_container_matches_core(sels, stage, project)
    assert [sub(c["cache"])[0][1]["key"] for c in find(sels, "withMountedCache")] == ["shipyard-trivy"]


def signer_execs(project: Loaded) -> list[list[Selection]]:
    plan = project.plan(names=("publish",))
    stage = plan.get("publish")
    assert isinstance(stage.action, PublishStep)
    secrets = {
        REGISTRY_PASSWORD: dag.set_secret("token", "TOKEN-VALUE"),
        COSIGN_KEY: dag.set_secret("key", "KEY-VALUE"),
        COSIGN_PASSWORD: dag.set_secret("key-password", "KEYPW-VALUE"),
    }
    sbom = dag.directory().with_new_file("sbom.json", "{}").file("sbom.json")
    signer = DaggerSigner(publish_params(stage.params), sbom, secrets)
    repository = Repository.parse(stage.action.repository)
    reference = f"{repository}@sha256:{'a' * 64}"
    commands = cosign_commands(reference, signer.paths(Path("sbom")), http=repository.local)
    return [chain(signer.exec_container(c, repository, "bot")) for c in commands]


def walk(sels: list[Selection]) -> list[Selection]:
    """Every selection, with those of objects passed as arguments."""
    found: list[Selection] = []
    for name, args in sels:
        found.append((name, args))
        for value in args.values():
            if isinstance(value, list) and value and isinstance(value[0], tuple):
                found += walk(cast("list[Selection]", value))
    return found


def test_signing_never_expands_next_to_a_secret_and_never_puts_one_in_argv(project: Loaded) -> None:
    for sels in signer_execs(project):
        assert find(sels, "withSecretVariable"), "the passwords reach cosign as secret variables"
        assert not any(args.get("expand") for _, args in walk(sels)), "expand is refused with secrets"
        (exec_args,) = find(sels, "withExec")
        argv = cast("list[str]", exec_args["args"])
        assert not any(v in " ".join(argv) for v in ("TOKEN-VALUE", "KEY-VALUE", "KEYPW-VALUE"))
        assert argv[:5] == ["sh", "-c", WRAPPER, "sh", COSIGN]
        names = sorted(str(a["name"]) for a in find(sels, "withSecretVariable"))
        assert names == sorted([REGISTRY_PASSWORD, COSIGN_PASSWORD])


def test_the_cosign_key_mount_is_readable_by_the_user_cosign_runs_as(project: Loaded) -> None:
    for sels in signer_execs(project):
        users = find(sels, "withUser")
        (mount,) = find(sels, "withMountedSecret")
        assert users, "the exec's user is set explicitly"
        assert mount["owner"] == users[-1]["name"] == SIGNER_USER
        assert mount["path"] == KEY
        assert names_before(sels, "withUser", "withExec")


def test_signing_runs_the_pinned_cosign_binary_and_is_never_cached(project: Loaded) -> None:
    cosign = project.project.config.tools["cosign"]
    runs = signer_execs(project)
    nonces: set[object] = set()
    for sels in runs:
        (binary,) = [f for f in find(sels, "withFile") if f["path"] == COSIGN]
        assert find(sub(binary["source"]), "from") == [{"address": cosign.pinned}]
        assert find(sub(binary["source"]), "file") == [{"path": cosign.binary}]
        nonces |= {e["value"] for e in find(sels, "withEnvVariable") if e["name"] == "SHIPYARD_SIGN_NONCE"}
    assert len(nonces) == len(runs)
    assert [str(cast("list[str]", find(s, "withExec")[0]["args"])[5]) for s in runs] == ["sign", "attest"]


def names_before(sels: list[Selection], first: str, then: str) -> bool:
    order = [name for name, _ in sels]
    return order.index(first) < order.index(then)


def test_the_module_pushes_only_through_the_core() -> None:
    """No `Container.publish` (one tag at a time): the core pushes by digest and moves all tags or none."""
    source = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "src").rglob("*.py"))
    assert ".publish(" not in source
    assert "run_publish" in source


# awaited functions: Context.execute replaced --------------------------------------------------


def write_files(dest: Path, files: dict[str, str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (dest / name).write_text(text, encoding="utf-8")


class FakeEngine:
    """Answers the module's queries: exports the webapp as the source, canned tool reports."""

    def __init__(self, reports: dict[str, str], exit_codes: dict[str, int] | None = None) -> None:
        self.reports = reports
        self.exit_codes = exit_codes or {}
        self.queries: list[list[Selection]] = []

    async def execute(self, ctx: Context, return_type: object = None) -> object:
        del return_type
        sels = ctx_chain(ctx)
        self.queries.append(sels)
        leaf, args = sels[-1]
        if leaf == "export":
            dest = Path(str(args["path"]))
            if sels[0] == SOURCE[0] and sels[1] == SOURCE[1] and len(sels) == 3:
                copy_webapp(dest)
            else:
                write_files(dest, self.reports)
            return str(dest)
        if leaf == "exitCode":
            argv = find(sels, "withExec")[-1]["args"]
            label = cast("list[str]", argv)
            return next((code for key, code in self.exit_codes.items() if key in label), 0)
        if leaf in {"combinedOutput", "stdout"}:
            return ""
        if leaf == "size":
            return IMAGE_BYTES
        if leaf == "user":
            return "app"
        return None


RUFF_OK = {"ruff.json": "[]", "ruff-format.txt": ""}
IMAGE_BYTES = 123_456_789
"""What the fake engine says any file's size is."""


@pytest.mark.anyio
async def test_lint_returns_the_core_verdict(monkeypatch: pytest.MonkeyPatch, ship: Shipyard) -> None:
    engine = FakeEngine(RUFF_OK)
    patch_engine(monkeypatch, engine)
    text = await ship.lint()
    assert text.startswith("lint: passed: ")
    exported = [q for q in engine.queries if q[-1][0] == "export"]
    assert exported[0] == [*SOURCE, ("export", exported[0][-1][1])]  # the source, into the runtime
    assert exported[1][-2] == ("directory", {"path": OUTDIR})  # the stage's reports, always


@pytest.mark.anyio
async def test_lint_raises_when_the_gate_fails(monkeypatch: pytest.MonkeyPatch, ship: Shipyard) -> None:
    violation = (
        '[{"code": "F401", "message": "`os` imported but unused", "filename": "/src/a.py",'
        ' "location": {"row": 1, "column": 8}, "end_location": {"row": 1, "column": 10},'
        ' "fix": null, "noqa_row": 1, "url": "https://docs.astral.sh/ruff/rules/unused-import"}]'
    )
    patch_engine(monkeypatch, FakeEngine({"ruff.json": violation, "ruff-format.txt": ""}, {"check": 1}))
    with pytest.raises(GateFailedError, match=r"^lint: failed: "):
        _ = await ship.lint()


@pytest.mark.anyio
async def test_test_runs_every_matrix_version(monkeypatch: pytest.MonkeyPatch, ship: Shipyard) -> None:
    engine = FakeEngine({})  # no junit.xml: the core says so, the function raises
    patch_engine(monkeypatch, engine)
    with pytest.raises(GateFailedError) as info:
        _ = await ship.test()
    lines = str(info.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["test-3.10", "test-3.11", "test-3.12", "test-3.13"]
    assert all("wrote no junit.xml" in line for line in lines)
    images = {q[1][1]["address"] for q in engine.queries if len(q) > 1 and q[1][0] == "from"}
    assert {f"python:{v}-slim" for v in ("3.10", "3.11", "3.12", "3.13")} <= images


@pytest.mark.anyio
async def test_test_one_version(monkeypatch: pytest.MonkeyPatch, ship: Shipyard) -> None:
    patch_engine(monkeypatch, FakeEngine({}))
    with pytest.raises(GateFailedError, match=r"^test-3\.12: error: pytest wrote no junit\.xml"):
        _ = await ship.test(python="3.12")


@pytest.mark.anyio
async def test_build_defaults_to_the_engine_platform(monkeypatch: pytest.MonkeyPatch, ship: Shipyard) -> None:
    patch_engine(monkeypatch, FakeEngine({}))
    image = await ship.build(platform=dagger.Platform("linux/arm64"))
    assert find(chain(image), "dockerBuild")[0]["platform"] == "linux/arm64"


@pytest.mark.anyio
async def test_a_builds_size_is_read_of_uncompressed_layers_as_docker_reports_it(
    monkeypatch: pytest.MonkeyPatch, ship: Shipyard
) -> None:
    """Docker reports an image's Size over its stored, uncompressed layers; `as_tarball()` without
    forcedCompression gzips them (core/schema/container.go asTarball): the MB would differ."""
    engine = FakeEngine({})
    patch_engine(monkeypatch, engine)
    stage_id = build_stage_id("linux/amd64")
    state, _ = await ship.run(await ship.loaded(), (stage_id,))
    result = state.runs[stage_id].result
    assert result is not None
    assert f"{IMAGE_BYTES / 1e6:.1f} MB" in result.summary, result.summary
    sized = [q for q in engine.queries if q[-1][0] == "size"]
    assert sized
    assert all(q[-2] == ("asTarball", {"forcedCompression": "Uncompressed"}) for q in sized), sized


# compose: the executor observes, the core judges ------------------------------------------------

DOCKER_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tools" / "docker"
LOAD_FAILED = (DOCKER_FIXTURES / "load-not-an-archive.txt").read_text()


class ComposeEngine:
    """Answers the compose stage's execs by their argv; probe replies by attempt ("<probe>.<attempt>")."""

    def __init__(self, answers: dict[str, tuple[int, str]], replies: dict[str, str]) -> None:
        self.answers = answers
        self.replies = replies
        self.queries: list[list[Selection]] = []

    def answer(self, sels: list[Selection]) -> tuple[int, str]:
        argv = [str(a) for a in cast("list[object]", find(sels, "withExec")[-1]["args"])]
        if argv[0] == "python":
            attempt = next(str(e["value"]) for e in find(sels, "withEnvVariable") if e["name"] == ATTEMPT_ENV)
            return 0, self.replies[attempt]
        words = " ".join(argv)
        return next((a for key, a in self.answers.items() if key in words), (0, ""))

    async def execute(self, ctx: Context, return_type: object = None) -> object:
        del return_type
        sels = ctx_chain(ctx)
        self.queries.append(sels)
        leaf = sels[-1][0]
        if leaf in {"start", "stop"}:
            return "fake-service-id"
        code, text = self.answer(sels)
        return code if leaf == "exitCode" else text

    def execs(self) -> list[list[str]]:
        """The argv of every command whose exit code was read, in order."""
        found = [find(q, "withExec")[-1] for q in self.queries if q[-1][0] == "exitCode"]
        return [[str(a) for a in cast("list[object]", e["args"])] for e in found]


def compose_answers(**changes: tuple[int, str]) -> dict[str, tuple[int, str]]:
    answers = {
        "config --format json": (0, '{"name": "x", "services": {"app": {}, "db": {}}}'),
        "docker load": (0, "Loaded image ID: sha256:0123abcd\n"),
        "docker tag": (0, ""),
        "up --detach --wait": (0, ""),
        "ps --all --quiet": (0, "ff9393bbf815\n"),
        "docker inspect": (0, "[]"),
        "port app 8000": (0, "0.0.0.0:32768\n"),
        "logs --no-color": (0, "app-1  | started\n"),
    }
    return answers | changes


def reply(status: int, body: str) -> str:
    return json.dumps({"status": status, "body": body, "error": "", "seconds": 0.01})


async def run_compose(
    monkeypatch: pytest.MonkeyPatch, project: Loaded, tmp_path: Path, engine: ComposeEngine
) -> tuple[ComposeStep, StageResult]:
    async def fake_execute(self: Context, return_type: object = None) -> object:
        return await engine.execute(self, return_type)

    monkeypatch.setattr(Context, "execute", fake_execute)
    monkeypatch.setattr("shipyard_ci.executor.PROBE_PAUSE", 0)
    stage = project.stages()["compose"]
    assert isinstance(stage.action, ComposeStep)
    step = stage.action
    executor = DaggerExecutor(dag.directory(), project.root)
    assert step.image_from is not None
    executor.outputs[step.image_from] = dag.directory()
    out = tmp_path / "out"
    out.mkdir()
    context = StepContext(root=project.root, files=("compose.yaml",), out_dir=out)
    return step, stage.evaluate(await executor.run(stage, context))


@pytest.mark.anyio
async def test_compose_probes_with_the_core_helper_and_the_core_stops_at_the_exact_status(
    monkeypatch: pytest.MonkeyPatch, project: Loaded, tmp_path: Path
) -> None:
    engine = ComposeEngine(compose_answers(), {"0.1": reply(503, "down"), "0.2": reply(200, "ok")})
    step, result = await run_compose(monkeypatch, project, tmp_path, engine)
    assert result.status.value == "passed", result
    seen = read_observation((tmp_path / "out" / "compose-health.json").read_text(), source="x")
    assert [(a.attempt, a.status) for a in seen.attempts] == [(1, 503), (2, 200)]  # stopped once passed
    assert seen.executor == "dagger"
    assert (tmp_path / "out" / "compose-logs.txt").read_text() == "app-1  | started\n"
    execs = engine.execs()
    assert ["docker", "tag", "sha256:0123abcd", compose.LOCAL_TAG] in execs
    helper = [e for e in execs if e[0] == "python"]
    assert helper[0] == [
        "python",
        "-c",
        compose.PROBE_SOURCE,
        "http",
        "docker",
        "32768",
        "/healthz",
        "10",
        "4000",
    ]
    probe_query = next(
        q
        for q in engine.queries
        if find(q, "withExec") and q[-2][0] == "withExec" and find(q, "withExec")[-1]["args"] == helper[0]
    )
    assert probe_query[:2] == [("container", {}), ("from", {"address": step.probe_image})]
    assert find(probe_query, "withServiceBinding")[0]["alias"] == compose.DOCKER_ALIAS
    assert all(e.get("expect") == "ANY" for q in engine.queries for e in find(q, "withExec")[-1:])


@pytest.mark.anyio
async def test_a_failing_docker_load_is_a_compose_error_with_the_tools_message(
    monkeypatch: pytest.MonkeyPatch, project: Loaded, tmp_path: Path
) -> None:
    engine = ComposeEngine(compose_answers(**{"docker load": (1, LOAD_FAILED)}), {})
    _, result = await run_compose(monkeypatch, project, tmp_path, engine)
    assert result.status.value == "error"
    assert result.summary == "loading the image built by build-linux-amd64 failed (exit 1): unexpected EOF"
    assert not any("up" in e for e in engine.execs())


@pytest.mark.anyio
async def test_a_compose_file_that_does_not_parse_is_not_brought_up(
    monkeypatch: pytest.MonkeyPatch, project: Loaded, tmp_path: Path
) -> None:
    message = (DOCKER_FIXTURES / "config-does-not-parse.txt").read_text()
    engine = ComposeEngine(compose_answers(**{"config --format json": (15, message)}), {})
    _, result = await run_compose(monkeypatch, project, tmp_path, engine)
    assert result.status.value == "error"
    assert result.summary.startswith("compose.yaml does not parse: yaml: line 1: did not find expected")
    assert [e[:2] for e in engine.execs()] == [["docker", "compose"]]


def test_the_reports_directory_carries_no_image_archive(ship: Shipyard, project: Loaded) -> None:
    executor = ship.executor(project)
    executor.outputs[build_stage_id("linux/amd64")] = dag.directory().with_new_file("image.tar", "x")
    out = ship.reports_dir(project, RunState(runs={}), executor)
    (build,) = [a for a in find(chain(out), "withDirectory") if a["path"] == build_stage_id("linux/amd64")]
    excluded = cast("list[str]", build["exclude"])
    for name in (IMAGE_TAR, SCAN_TAR):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in excluded), name
