"""The `shipyard` Dagger module: the core's pipeline graph, run on the Dagger engine.

Stages, their order, images, argv, caches and gates all come from the `shipyard` package; the
functions here select stages, let the core runner drive the Dagger executor, and hand back
the core's verdicts and reports.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar, cast

import dagger
from dagger import DefaultPath, Doc, Ignore, dag, function, object_type

from shipyard.baselines import baseline_path, save_baselines
from shipyard.errors import GateFailedError
from shipyard.plan.graph import PUBLISH_IDS, Plan, tier_named
from shipyard.reports.summary import summary_data
from shipyard.reports.write import write_reports
from shipyard.runner import NoEvents, RunOptions, RunState, run_plan
from shipyard.stages.bench import BENCH_ID
from shipyard.stages.build import build_stage_id
from shipyard.stages.package import PACKAGE_ID
from shipyard.stages.package_verdict import DIST
from shipyard.stages.publish import COSIGN_KEY, COSIGN_PASSWORD, REGISTRY_PASSWORD, REGISTRY_USERNAME
from shipyard.stages.publish_package import INDEX_PASSWORD, INDEX_USERNAME, PUBLISH_PACKAGE_ID
from shipyard.stages.sbom import CYCLONEDX_JSON
from shipyard.stages.spec import LOG_FILE, OUTDIR, BuildStep, ContainerStep, Stage
from shipyard_ci.executor import DaggerExecutor
from shipyard_ci.session import Loaded, git_facts, load
from shipyard_ci.translate import (
    build_container,
    command_states,
    setup_files,
    stage_tree,
    step_container,
    with_source,
)

_F = TypeVar("_F", bound=Callable[..., object])

SOURCE_IGNORE = [
    "**/__pycache__",
    "**/*.py[cod]",
    "**/.venv",
    "**/venv",
    "**/.tox",
    "**/.nox",
    "**/.pytest_cache",
    "**/.ruff_cache",
    "**/.mypy_cache",
    "**/.hypothesis",
    "**/node_modules",
    ".shipyard",
]
"""Only what no stage can read: environments, caches and shipyard's own output.

Every other file stays, because a Dockerfile COPY, a compose `env_file` or a test may read it; the
core then gives each stage exactly the files its filter selects (`Loaded.select`), the same files
the Docker executor gives it. Caches stay stable because each stage sees only its own selection."""

REPORTS_EXCLUDE = ["*.tar"]
"""Nothing that is an image leaves the engine through the reports directory."""


def check(func: _F) -> _F:
    """Typed stand-in for ``@dagger.check`` (``Module.check`` has no overloads in dagger-io 0.21.11)."""
    _ = dagger.check(func)
    return func


def cached(policy: str) -> Callable[[_F], _F]:
    """``@dagger.function(cache=policy)``: "never", "session" or a duration such as "10m".

    The policy reaches the engine through ``FunctionDef.withCachePolicy`` (dagger/mod/_module.py);
    without one the engine caches a function's result for its maximum TTL (core/modfunc.go). The
    overloads of ``Module.function`` in dagger-io 0.21.11 omit ``cache``, hence the cast.
    """
    function_with = cast("Callable[..., Callable[[_F], _F]]", dagger.function)
    return function_with(cache=policy)


def verdict_lines(state: RunState) -> str:
    """One line per stage: id, status and the core's summary."""
    lines: list[str] = []
    for run in state.runs.values():
        result = run.result
        status = result.status.value if result else "interrupted"
        lines.append(f"{run.stage.id}: {status}: {result.summary if result else 'did not finish'}")
    return "\n".join(lines)


def verdict(state: RunState) -> str:
    """The verdict lines; raise when the gates failed."""
    text = verdict_lines(state)
    if not state.ok:
        raise GateFailedError(text)  # the core's error: one hierarchy for both executors
    return text


@object_type
class Shipyard:
    """Lint, test, build, scan and publish a Python project with shipyard's pipeline graph."""

    source: dagger.Directory
    commit: str = ""
    ref: str = ""
    committed: str = ""
    member: str = ""
    """The workspace member `package` named (not `package`: that is the package stage's function)."""

    @classmethod
    def create(
        cls,
        source: Annotated[
            dagger.Directory,
            Doc("The Python project: its pyproject.toml holds [tool.shipyard]"),
            DefaultPath("/"),
            Ignore(SOURCE_IGNORE),
        ],
        commit: Annotated[str, Doc("Full commit sha being built, e.g. $GITHUB_SHA")] = "",
        ref: Annotated[
            str, Doc("Git ref being built, e.g. $GITHUB_REF (refs/heads/main, refs/tags/v1.2.3)")
        ] = "",
        committed: Annotated[
            str, Doc("Commit time, ISO 8601 (git log -1 --format=%cI): the image's created label")
        ] = "",
        package: Annotated[
            str, Doc("In a uv workspace: only this member's lint and test stages (all members when unset)")
        ] = "",
    ) -> "Shipyard":
        """Point the pipeline at a project."""
        return cls(source=source, commit=commit, ref=ref, committed=committed, member=package)

    # Helpers below are plain methods: not part of the module's API.

    async def loaded(self) -> Loaded:
        """The project as the core sees it."""
        return await load(self.source, git_facts(self.commit, self.ref, self.committed))

    def executor(self, project: Loaded, secrets: dict[str, dagger.Secret] | None = None) -> DaggerExecutor:
        """A Dagger executor over this source."""
        return DaggerExecutor(self.source, project.root, secrets)

    async def run(
        self,
        project: Loaded,
        stages: tuple[str, ...] = (),
        *,
        tier: str | None = None,
        pythons: tuple[str, ...] = (),
        secrets: dict[str, dagger.Secret] | None = None,
        values: dict[str, str] | None = None,
    ) -> tuple[RunState, DaggerExecutor]:
        """Run the core's plan for a selection with the core runner; every independent stage at once.

        Publishing runs only when selected by name (`publish`, `publish-package`), with its secrets.
        """
        plan = self.plan_for(project, stages, tier=tier, pythons=pythons)
        executor = self.executor(project, secrets)
        state = await run_plan(
            plan,
            root=project.root,
            files=project.files,
            digests=project.digests(plan),
            executor=executor,
            cache=project.cache,
            out_root=project.out_root,
            options=RunOptions(jobs=max(1, len(plan.stages)), use_cache=False, secrets=values or {}),
            events=NoEvents(),
        )
        return state, executor

    def plan_for(
        self, project: Loaded, stages: tuple[str, ...], *, tier: str | None, pythons: tuple[str, ...]
    ) -> Plan:
        """The core's plan for a selection (this object's workspace member, when it names one)."""
        packages = (self.member,) if self.member else ()
        plan = project.plan(
            tier=tier_named(tier) if tier else None, names=stages, pythons=pythons, packages=packages
        )
        return plan if set(PUBLISH_IDS) & set(stages) else plan.without(("publish",))

    def stage_container(
        self, project: Loaded, stage: Stage, images: dict[str, dagger.Container]
    ) -> dagger.Container:
        """A container step's container after its last command (lazy)."""
        action = stage.action
        assert isinstance(action, ContainerStep)  # noqa: S101 - the core defines these stages as container steps
        files = tuple(project.select(stage))
        tree = stage_tree(self.source, files, git=stage.inputs.git_history and project.has_git)
        setup = stage_tree(self.source, setup_files(action, files), git=False)
        base = step_container(action, tree, images=images, secrets={}, setup_tree=setup)
        source = with_source(action, tree, images)
        return ([base, *command_states(base, action, source=source)])[-1]

    def image(self, project: Loaded, platform: str) -> dagger.Container:
        """The image built for `platform` (lazy)."""
        stage = project.stages()[build_stage_id(platform)]
        action = stage.action
        assert isinstance(action, BuildStep)  # noqa: S101 - the core defines build stages as build steps
        return build_container(
            action, stage_tree(self.source, tuple(project.select(stage)), git=False) or dag.directory()
        )

    def reports_dir(self, project: Loaded, state: RunState, executor: DaggerExecutor) -> dagger.Directory:
        """Every stage's reports (image tarballs stay in the engine) and the run's reports."""
        data = summary_data(
            state, project=project.project, git=project.context.git, executor="dagger", stand_ins=[]
        )
        written = write_reports(
            project.out_root, data, state=state, project=project.project, context=project.context
        )
        out = dag.directory()
        for stage_id, stage_out in executor.outputs.items():
            out = out.with_directory(stage_id, stage_out, exclude=REPORTS_EXCLUDE)
            log = project.out_root / stage_id / LOG_FILE
            if log.is_file():
                out = out.with_new_file(f"{stage_id}/{LOG_FILE}", log.read_text("utf-8", "replace"))
        for path in written:
            out = out.with_new_file(path.name, path.read_text("utf-8", "replace"))
        return out

    # Dagger functions.

    @function
    @check
    async def lint(self) -> str:
        """Lint the project with ruff (and its type checker when configured)."""
        state, _ = await self.run(await self.loaded(), ("lint",))
        return verdict(state)

    @function
    @check
    async def test(
        self,
        python: Annotated[
            str | None, Doc("One Python version of the matrix, e.g. 3.12; all of them when unset")
        ] = None,
    ) -> str:
        """Run the test suite under coverage, every Python version of the matrix in parallel."""
        state, _ = await self.run(await self.loaded(), ("test",), pythons=(python,) if python else ())
        return verdict(state)

    @cached("never")  # the verdict depends on the baseline, which is no part of the source
    @check
    async def bench(
        self,
        baseline: Annotated[
            dagger.File | None,
            Doc("The baseline branch's last recorded bench.json, e.g. .shipyard/baselines/bench.json"),
        ] = None,
    ) -> dagger.Directory:
        """Run the benchmarks alone against a baseline; return the new baseline when this run records one."""
        project = await self.loaded()
        if baseline is not None:  # where the core's plan looks for it (shipyard.baselines)
            _ = await baseline.export(str(baseline_path(project.root, BENCH_ID)))
        state, _ = await self.run(project, (BENCH_ID,))
        _ = verdict(state)
        recorded = dag.directory()
        for path in save_baselines(
            state, root=project.root, out_root=project.out_root, ref=project.context.git.ref
        ):
            recorded = recorded.with_new_file(path.name, path.read_text(encoding="utf-8"))
        return recorded

    @function
    async def build(
        self,
        platform: Annotated[
            dagger.Platform | None, Doc("Target platform, e.g. linux/arm64; the engine's own when unset")
        ] = None,
    ) -> dagger.Container:
        """Build the project's image for one platform."""
        project = await self.loaded()
        return self.image(project, str(platform) if platform else project.context.host_platform)

    @function
    async def package(
        self,
        python: Annotated[
            str | None, Doc("Smoke-test the wheel on this matrix Python only, e.g. 3.12; all when unset")
        ] = None,
    ) -> dagger.Directory:
        """Build the wheel and sdist, check them, smoke-test them; return dist/ with SHA256SUMS and SBOM."""
        state, executor = await self.run(
            await self.loaded(), (PACKAGE_ID,), pythons=(python,) if python else ()
        )
        _ = verdict(state)  # the core's gates: a failed check raises instead of handing out dist/
        return executor.outputs[PACKAGE_ID].directory(DIST)

    def sbom_file(self, project: Loaded) -> dagger.File:
        """The core's sbom stage over the image it needs (lazy)."""
        stage = project.stages()["sbom"]
        action = stage.action
        assert isinstance(action, ContainerStep)  # noqa: S101 - the core's sbom stage is a container step
        images: dict[str, dagger.Container] = {}
        for wanted in action.images_from:
            build = project.stages()[wanted.stage].action
            assert isinstance(build, BuildStep)  # noqa: S101 - sbom needs a build stage
            images[wanted.stage] = self.image(project, build.platform)
        return self.stage_container(project, stage, images).file(f"{OUTDIR}/{CYCLONEDX_JSON}")

    @function
    async def sbom(self) -> dagger.File:
        """Make the CycloneDX SBOM of the image built for the engine's platform."""
        return self.sbom_file(await self.loaded())

    @cached("never")  # allowlist entries expire by date
    @check
    async def scan(self) -> dagger.File:
        """Scan git history, source and image; return the merged SARIF report."""
        project = await self.loaded()
        state, executor = await self.run(project, ("scan",))
        reports = self.reports_dir(project, state, executor)
        _ = verdict(state)
        return reports.file("shipyard.sarif")

    @cached("never")  # a running stack and its probes, not a function of the source alone
    @check
    async def compose_test(self) -> str:
        """Bring the compose stack up with the built image, wait for health and probe it."""
        state, _ = await self.run(await self.loaded(), ("compose",))
        return verdict(state)

    @cached("never")  # holds the scans (dates) and the compose stage
    async def reports(
        self,
        tier: Annotated[
            str | None, Doc("essential, extended or full; the project's configured tier when unset")
        ] = None,
    ) -> dagger.Directory:
        """Run a tier and return its reports; gates never fail this call."""
        project = await self.loaded()
        state, executor = await self.run(project, tier=tier)
        return self.reports_dir(project, state, executor)

    @cached("never")  # as reports
    async def ci(
        self,
        tier: Annotated[
            str | None, Doc("essential, extended or full; the project's configured tier when unset")
        ] = None,
    ) -> dagger.Directory:
        """Run the whole graph; return every report, with summary.json saying whether the gates passed."""
        return await self.reports(tier)

    @cached("never")
    async def publish(
        self,
        username: Annotated[str, Doc("Registry user name, e.g. $GITHUB_ACTOR")],
        password: Annotated[dagger.Secret, Doc("Registry password or token, e.g. env://GITHUB_TOKEN")],
        cosign_key: Annotated[
            dagger.Secret | None, Doc("cosign private key, e.g. env://COSIGN_KEY; needed when signing is on")
        ] = None,
        cosign_password: Annotated[
            dagger.Secret | None, Doc("Password of the cosign key, e.g. env://COSIGN_PASSWORD")
        ] = None,
    ) -> str:
        """Run the full graph; when every gate passed, push one signed manifest list and move every tag."""
        project = await self.loaded()
        secrets: dict[str, dagger.Secret] = {REGISTRY_PASSWORD: password}
        if cosign_key is not None:
            secrets[COSIGN_KEY] = cosign_key
        if cosign_password is not None:
            secrets[COSIGN_PASSWORD] = cosign_password
        # the core's OCI client pushes from this runtime: it reads the values here, never in a query
        values = {REGISTRY_USERNAME: username} | {name: await s.plaintext() for name, s in secrets.items()}
        state, _ = await self.run(project, ("publish",), secrets=secrets, values=values)
        return verdict(state)

    @cached("never")  # uploads to an index whose state is not an input
    async def publish_package(
        self,
        password: Annotated[dagger.Secret, Doc("Index password or API token, e.g. env://PYPI_TOKEN")],
        username: Annotated[str, Doc("Index user name; __token__ (for an API token) when unset")] = "",
    ) -> str:
        """Run the full graph; when every gate passed, upload the wheel and sdist to the configured index."""
        project = await self.loaded()
        secrets = {INDEX_PASSWORD: password}
        # the core's index client uploads from this runtime: it reads the value here, never in a query
        values = {INDEX_PASSWORD: await password.plaintext()} | (
            {INDEX_USERNAME: username} if username else {}
        )
        state, _ = await self.run(project, (PUBLISH_PACKAGE_ID,), secrets=secrets, values=values)
        return verdict(state)
