"""The `shipyard` Dagger module: the core's pipeline graph, run on the Dagger engine.

Stages, their order, images, argv, caches and gates all come from the `shipyard` package; the
functions here select stages, let the core runner drive the Dagger executor, and hand back
the core's verdicts and reports.
"""

from collections.abc import Callable
from typing import Annotated, TypeVar, cast

import dagger
from dagger import DefaultPath, Doc, Ignore, dag, function, object_type

from shipyard.config.models import Tier
from shipyard.reports.summary import summary_data
from shipyard.reports.write import write_reports
from shipyard.runner import NoEvents, RunOptions, RunState, run_plan
from shipyard.stages.build import IMAGE_TAR, SCAN_TAR, build_stage_id
from shipyard.stages.publish import (
    COSIGN_KEY,
    COSIGN_PASSWORD,
    REGISTRY_PASSWORD,
    publish_repository,
    publish_secrets,
)
from shipyard.stages.sbom import CYCLONEDX_JSON
from shipyard.stages.spec import OUTDIR, BuildStep, ContainerStep, Stage
from shipyard_ci.executor import LOG_FILE, DaggerExecutor
from shipyard_ci.session import Loaded, git_facts, load
from shipyard_ci.translate import build_container, command_states, scan_tarball, stage_tree, step_container

_F = TypeVar("_F", bound=Callable[..., object])

SOURCE_IGNORE = [
    "*",
    "!pyproject.toml",
    "!shipyard.toml",
    "!uv.lock",
    "!requirements*.txt",
    "!constraints*.txt",
    "!README*",
    "!LICENSE*",
    "!COPYING*",
    "!src/**",
    "!tests/**",
    "!*.py",
    "!**/*.py",
    "!**/Dockerfile*",
    "!**/*.dockerfile",
    "!**/.dockerignore",
    "!**/compose*.y*ml",
    "!**/docker-compose*.y*ml",
    "!.git/**",
    "**/__pycache__",
    "**/.venv",
    "**/.pytest_cache",
    "**/.ruff_cache",
    "**/.mypy_cache",
    "**/node_modules",
    ".shipyard",
]
"""Allow-list of what the pipeline reads: nothing else is uploaded, so nothing else busts caches."""

COSIGN_KEY_PATH = next(ref.file for ref in publish_secrets(sign=True) if ref.name == COSIGN_KEY) or ""
"""Where the core places the cosign key."""
SBOM_PATH = f"/in/{CYCLONEDX_JSON}"


def check(func: _F) -> _F:
    """Typed stand-in for ``@dagger.check`` (``Module.check`` has no overloads in dagger-io 0.21.11)."""
    _ = dagger.check(func)
    return func


class GateFailedError(Exception):
    """A stage's gate failed; the message is the core's verdict of every stage run."""


class PublishRefusedError(Exception):
    """Publishing was refused before anything was pushed."""


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
        raise GateFailedError(text)
    return text


@object_type
class Shipyard:
    """Lint, test, build, scan and publish a Python project with shipyard's pipeline graph."""

    source: dagger.Directory
    commit: str = ""
    ref: str = ""
    committed: str = ""

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
    ) -> "Shipyard":
        """Point the pipeline at a project."""
        return cls(source=source, commit=commit, ref=ref, committed=committed)

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
        tier: Tier | None = None,
        pythons: tuple[str, ...] = (),
    ) -> tuple[RunState, DaggerExecutor]:
        """Run the core's plan for a selection with the core runner; every independent stage at once."""
        plan = project.plan(tier=tier, names=stages, pythons=pythons).without(("publish",))
        executor = self.executor(project)
        state = await run_plan(
            plan,
            root=project.root,
            files=project.files,
            digests=project.digests(plan),
            executor=executor,
            cache=project.cache,
            out_root=project.out_root,
            options=RunOptions(jobs=max(1, len(plan.stages)), use_cache=False),
            events=NoEvents(),
        )
        return state, executor

    def stage_container(
        self, project: Loaded, stage: Stage, inputs: dict[str, dagger.Directory]
    ) -> dagger.Container:
        """A container step's container after its last command (lazy)."""
        action = stage.action
        assert isinstance(action, ContainerStep)  # noqa: S101 - the core defines these stages as container steps
        files = tuple(project.select(stage))
        tree = stage_tree(self.source, files, git=stage.inputs.git_history and project.has_git)
        base = step_container(action, tree, inputs=inputs, secrets={})
        return ([base, *command_states(base, action.commands)])[-1]

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
            out = out.with_directory(stage_id, stage_out, exclude=[IMAGE_TAR])
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

    def sbom_file(self, project: Loaded) -> dagger.File:
        """The core's sbom stage over the image it needs (lazy)."""
        stage = project.stages()["sbom"]
        action = stage.action
        assert isinstance(action, ContainerStep)  # noqa: S101 - the core's sbom stage is a container step
        inputs: dict[str, dagger.Directory] = {}
        for build_id, _ in action.inputs_from:
            platform = project.stages()[build_id].action
            assert isinstance(platform, BuildStep)  # noqa: S101 - sbom needs a build stage
            image = self.image(project, platform.platform)
            inputs[build_id] = dag.directory().with_file(SCAN_TAR, scan_tarball(image))
        return self.stage_container(project, stage, inputs).file(f"{OUTDIR}/{CYCLONEDX_JSON}")

    @function
    async def sbom(self) -> dagger.File:
        """Make the CycloneDX SBOM of the image built for the engine's platform."""
        return self.sbom_file(await self.loaded())

    @function
    @check
    async def scan(self) -> dagger.File:
        """Scan git history, source and image; return the merged SARIF report."""
        project = await self.loaded()
        state, executor = await self.run(project, ("scan",))
        reports = self.reports_dir(project, state, executor)
        _ = verdict(state)
        return reports.file("shipyard.sarif")

    @function
    @check
    async def compose_test(self) -> str:
        """Bring the compose stack up with the built image, wait for health and probe it."""
        state, _ = await self.run(await self.loaded(), ("compose",))
        return verdict(state)

    @function
    async def reports(
        self,
        tier: Annotated[
            str | None, Doc("essential, extended or full; the project's configured tier when unset")
        ] = None,
    ) -> dagger.Directory:
        """Run a tier and return its reports; gates never fail this call."""
        project = await self.loaded()
        state, executor = await self.run(project, tier=cast("Tier | None", tier))
        return self.reports_dir(project, state, executor)

    @function
    async def ci(
        self,
        tier: Annotated[
            str | None, Doc("essential, extended or full; the project's configured tier when unset")
        ] = None,
    ) -> dagger.Directory:
        """Run the whole graph; return every report, with summary.json saying whether the gates passed."""
        return await self.reports(tier)

    @function
    async def publish(
        self,
        username: Annotated[str, Doc("Registry user name, e.g. $GITHUB_ACTOR")],
        password: Annotated[dagger.Secret, Doc("Registry password or token, e.g. env://GITHUB_TOKEN")],
        cosign_key: Annotated[
            dagger.Secret | None, Doc("cosign private key; the image is signed when set")
        ] = None,
        cosign_password: Annotated[dagger.Secret | None, Doc("Password of the cosign key")] = None,
    ) -> str:
        """Run the full graph, then push every platform as one manifest list per tag and sign it."""
        project = await self.loaded()
        tags = project.context.tags
        if not tags:
            raise PublishRefusedError(
                "no tags to publish: pass --commit (and --ref) so the core can compute them"
            )
        sign = project.project.config.publish.sign
        if sign and cosign_key is None:
            raise PublishRefusedError("[tool.shipyard.publish] sign is on: pass --cosign-key")
        state, _ = await self.run(project, tier="full")
        _ = verdict(state)
        repository = publish_repository(project.project)
        variants = [self.image(project, p) for p in project.project.config.image.platforms]
        refs: list[str] = []
        for tag in tags:
            address = f"{repository}:{tag}"
            refs.append(
                await dag.container()
                .with_registry_auth(address, username, password)
                .publish(address, platform_variants=variants)
            )
        digest_ref = f"{repository}@{refs[0].rsplit('@', 1)[-1]}"
        if cosign_key is not None:
            signer = self.signer(project, password, cosign_key, cosign_password)
            for argv in self.sign_argvs(project, username, digest_ref):
                signer = signer.with_exec(argv, expand=True)
            _ = await signer.sync()
        return "\n".join(refs)

    def signer(
        self,
        project: Loaded,
        password: dagger.Secret,
        key: dagger.Secret,
        key_password: dagger.Secret | None,
    ) -> dagger.Container:
        """The pinned cosign image with the key, the SBOM, and the passwords as secret variables."""
        cosign = project.project.config.tools["cosign"]
        ctr = (
            dag.container()
            .from_(cosign.pinned)
            .with_mounted_secret(COSIGN_KEY_PATH, key)
            .with_secret_variable(REGISTRY_PASSWORD, password)
            .with_file(SBOM_PATH, self.sbom_file(project))
        )
        if key_password is not None:
            ctr = ctr.with_secret_variable(COSIGN_PASSWORD, key_password)
        return ctr

    @staticmethod
    def sign_argvs(project: Loaded, username: str, digest_ref: str) -> list[list[str]]:
        """`cosign sign` and `cosign attest` (the SBOM) of the pushed digest.

        The registry password is expanded from a secret variable inside the container (expand=True),
        so it is never part of the query. UNCONFIRMED: expansion of secret variables.
        """
        binary = project.project.config.tools["cosign"].binary
        auth = [
            f"--key={COSIGN_KEY_PATH}",
            f"--registry-username={username}",
            f"--registry-password=${REGISTRY_PASSWORD}",
        ]
        return [
            [binary, "sign", "--yes", *auth, digest_ref],
            [binary, "attest", "--yes", *auth, "--type=cyclonedx", f"--predicate={SBOM_PATH}", digest_ref],
        ]
