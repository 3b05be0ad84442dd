"""Run a PublishStep: preflight, push every platform, sign, then move the tags: all or nothing.

Order, so that no tag ever points at something incomplete:
1. preflight: the secrets are there, the tags are valid, every platform's tarball reads, the cosign
   key reads, the registry answers and accepts the credentials;
2. under a per-repository lock: no immutable tag exists already (unless it already names exactly
   this image); every blob and each platform's manifest is pushed by digest, then one OCI image
   index listing them, by digest;
3. cosign signs the index digest and attests the SBOM (both stored next to the digest, no tag);
4. only then every tag is pointed at the index. If one tag PUT fails, the tags already moved are
   put back: a tag that existed gets its previous manifest again; a tag that did not exist is
   deleted when the registry allows deleting tags, and named in the error when it does not
   (it then points at the new, complete and signed image).

Secrets never reach argv, logs or reports: the registry password goes into a temporary docker
config (base64, 0600), the cosign key into a 0600 file, COSIGN_PASSWORD into cosign's environment;
every line that is logged or raised is scrubbed of their values first.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import PublishError, ShipyardError
from shipyard.oci.auth import Credentials
from shipyard.oci.index import Platform, digest_of, image_index
from shipyard.oci.layout import ImageArchive
from shipyard.oci.media import OCI_INDEX
from shipyard.oci.reference import Repository
from shipyard.oci.registry import RegistryClient
from shipyard.oci.scrub import Scrubber
from shipyard.oci.tags import invalid_tags
from shipyard.stages.build import IMAGE_TAR, METADATA_JSON
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.publish import (
    COSIGN_KEY,
    COSIGN_PASSWORD,
    PUBLISH_JSON,
    REGISTRY_PASSWORD,
    REGISTRY_USERNAME,
    publish_params,
)
from shipyard.stages.sbom import CYCLONEDX_JSON
from shipyard.stages.spec import ToolBinary

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping

    from shipyard.docker.container_step import ToolCache
    from shipyard.executor import StepContext
    from shipyard.oci.layout import PlatformImage
    from shipyard.oci.registry import Manifest
    from shipyard.stages.spec import PublishStep, Stage

LOG_FILE = "log.txt"
LOCK_TIMEOUT = 600.0
"""Seconds a publish waits for another publish of the same repository (SHIPYARD_PUBLISH_LOCK_TIMEOUT)."""
COSIGN_TIMEOUT = 600.0
PASS_ENV = (
    "PATH",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
)
"""The only variables of shipyard's environment cosign sees."""


@dataclass(frozen=True)
class Secrets:
    """The publish secrets, checked to be present."""

    credentials: Credentials
    cosign_key: bytes | None
    cosign_password: str

    @classmethod
    def read(cls, values: Mapping[str, str], *, sign: bool) -> Secrets:
        """Every secret the step needs, or one error naming all that are missing."""
        wanted = [REGISTRY_USERNAME, REGISTRY_PASSWORD, *([COSIGN_KEY] if sign else [])]
        missing = [name for name in wanted if not values.get(name)]
        if missing:
            raise PublishError(
                f"publishing needs {', '.join(missing)} set in shipyard's environment",
                fix="export them and re-run (for ghcr.io: your user and a token with write:packages)",
            )
        key = cosign_key_bytes(values[COSIGN_KEY]) if sign else None
        return cls(
            credentials=Credentials(values[REGISTRY_USERNAME], values[REGISTRY_PASSWORD]),
            cosign_key=key,
            cosign_password=values.get(COSIGN_PASSWORD, ""),
        )

    def scrubber(self, raw: Mapping[str, str]) -> Scrubber:
        """Masks every secret value (and the raw COSIGN_KEY, which may be a path)."""
        key = self.cosign_key.decode("utf-8", "replace") if self.cosign_key else ""
        return Scrubber.for_registry(
            self.credentials.username,
            self.credentials.password,
            key,
            raw.get(COSIGN_KEY, ""),
            self.cosign_password,
        )


def cosign_key_bytes(value: str) -> bytes:
    """COSIGN_KEY is the key's PEM text or the path of a file holding it."""
    if "-----BEGIN" in value:
        return value.encode()
    path = Path(value).expanduser()
    try:
        data = path.read_bytes() if "\n" not in value and len(value) < 4096 else b""  # noqa: PLR2004
    except OSError:
        data = b""
    if b"-----BEGIN" not in data:
        raise PublishError(
            f"{COSIGN_KEY} is neither a PEM private key nor the path of a readable key file",
            fix="set it to the content of cosign.key or to its path (`cosign generate-key-pair` makes one)",
        )
    return data


@contextlib.contextmanager
def publish_lock(repository: str, *, timeout: float, directory: Path | None = None) -> Generator[None]:
    """Hold an exclusive lock for publishing to `repository`; wait up to `timeout` seconds for it.

    One lock per repository (not per tag set): two publishes that share any tag, `latest` say,
    must not interleave their tag moves and rollbacks.
    """
    name = hashlib.sha256(repository.encode()).hexdigest()[:16]
    path = (directory or Path(tempfile.gettempdir())) / f"shipyard-publish-{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PublishError(
                        f"another publish to {repository} still holds {path} after {timeout:.0f}s",
                        fix="wait for it to finish (or raise SHIPYARD_PUBLISH_LOCK_TIMEOUT) and re-run",
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class _Log:
    """Writes scrubbed lines to the stage's log file and the live view."""

    def __init__(self, context: StepContext, scrub: Callable[[str], str]) -> None:
        self._context = context
        self.scrub = scrub

    def __call__(self, line: str) -> None:
        clean = self.scrub(line)
        with (self._context.out_dir / LOG_FILE).open("a", encoding="utf-8") as log:
            log.write(clean + "\n")
        self._context.log(clean)


class PublishRunner:
    """Runs publish steps for one pipeline run; owns the temporary cosign binary."""

    def __init__(self, tools: ToolCache, *, lock_timeout: float | None = None) -> None:
        self._tools = tools
        env_timeout = os.environ.get("SHIPYARD_PUBLISH_LOCK_TIMEOUT")
        self._lock_timeout = lock_timeout or (float(env_timeout) if env_timeout else LOCK_TIMEOUT)
        self._bin_dir: Path | None = None

    def cleanup(self) -> None:
        """Remove the copied cosign binary."""
        if self._bin_dir is not None:
            shutil.rmtree(self._bin_dir, ignore_errors=True)
            self._bin_dir = None

    def run(self, stage: Stage, step: PublishStep, context: StepContext) -> StageOutcome:
        """Publish, or fail with one scrubbed line saying why and what was (not) left behind."""
        scrub = Scrubber(v for k, v in context.secrets.items() if k != REGISTRY_USERNAME)
        log = _Log(context, scrub)
        commands: list[CommandOutcome] = []
        try:
            secrets = Secrets.read(context.secrets, sign=step.sign)
            log.scrub = secrets.scrubber(context.secrets)
            self._publish(
                stage=stage, step=step, context=context, secrets=secrets, log=log, commands=commands
            )
        except ShipyardError as exc:
            message = log.scrub(exc.one_line())
            log(f"publish failed: {message}")
            return StageOutcome(
                stage_id=stage.id, out_dir=context.out_dir, commands=tuple(commands), error=message
            )
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=tuple(commands))

    def _publish(
        self,
        *,
        stage: Stage,
        step: PublishStep,
        context: StepContext,
        secrets: Secrets,
        log: _Log,
        commands: list[CommandOutcome],
    ) -> None:
        params = publish_params(stage.params)
        if not step.tags:
            raise PublishError("there are no tags to publish", fix="publish from a git commit (sha tag)")
        bad = invalid_tags(step.tags)
        if bad:
            raise PublishError(
                f"{bad[0]!r} is not a valid image tag", fix="check [tool.shipyard.publish] tags"
            )
        repository = Repository.parse(step.repository)
        sbom = context.upstream.get("sbom", Path("/nonexistent")) / CYCLONEDX_JSON
        if step.sign and not sbom.is_file():
            raise PublishError(f"signing needs the SBOM {sbom}", fix="let the sbom stage run before publish")
        cosign = self._cosign_binary(params.cosign_image, params.cosign_binary) if step.sign else None
        client = RegistryClient(repository, secrets.credentials)
        log(f"logging in to {repository.host} as {secrets.credentials.username}")
        client.login()
        with contextlib.ExitStack() as stack:
            images: list[tuple[ImageArchive, PlatformImage]] = []
            for build_id in step.images_from:
                archive, image = _platform_image(context.upstream[build_id])
                stack.enter_context(archive)
                images.append((archive, image))
            index = image_index([image.entry() for _, image in images])
            digest = digest_of(index)
            stack.enter_context(publish_lock(str(repository), timeout=self._lock_timeout))
            previous = _preflight_tags(client, step.tags, params.immutable, digest)
            for archive, image in images:
                _push_image(client, archive, image, log)
            client.put_manifest(digest, index, OCI_INDEX)
            log(f"pushed the index {digest} ({', '.join(str(i.platform) for _, i in images)})")
            if cosign is not None:
                assert secrets.cosign_key is not None  # noqa: S101 - Secrets.read checked it
                signer = _Cosign(cosign, repository, secrets, log)
                commands += signer.sign_and_attest(f"{repository}@{digest}", sbom)
            _move_tags(client, step.tags, index, previous, log)
        refs = [f"{repository}:{tag}" for tag in step.tags]
        report = {
            "repository": str(repository),
            "digest": digest,
            "digest_ref": f"{repository}@{digest}",
            "refs": refs,
            "tags": list(step.tags),
            "platforms": [{"platform": str(i.platform), "digest": i.digest} for _, i in images],
            "signed": step.sign,
            "attested": step.sign,
            "immutable": list(params.immutable),
            "previous": {tag: (m.digest if m else None) for tag, m in previous.items()},
        }
        (context.out_dir / PUBLISH_JSON).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        log(f"published {digest} as {', '.join(refs)}")

    def _cosign_binary(self, image: str, source: str) -> Path:
        if self._bin_dir is None:
            self._bin_dir = Path(tempfile.mkdtemp(prefix="shipyard-cosign-"))
        path = self._bin_dir / "cosign"
        if not path.exists():
            data = self._tools.get(ToolBinary(tool="cosign", image=image, source=source, dest=str(path)))
            path.write_bytes(data)
            path.chmod(0o700)
        return path


def _platform_image(build_dir: Path) -> tuple[ImageArchive, PlatformImage]:
    try:
        metadata = json.loads((build_dir / METADATA_JSON).read_text(encoding="utf-8"))
        platform = Platform.parse(str(metadata["platform"]))
    except (OSError, ValueError, KeyError) as exc:
        raise PublishError(
            f"{build_dir / METADATA_JSON} is missing or malformed: {exc}", fix="re-run the build"
        ) from exc
    archive = ImageArchive(build_dir / IMAGE_TAR)
    try:
        return archive, archive.image(platform)
    except BaseException:
        archive.close()
        raise


def _preflight_tags(
    client: RegistryClient, tags: tuple[str, ...], immutable: tuple[str, ...], digest: str
) -> dict[str, Manifest | None]:
    """What each tag points at now; refuse to move an immutable one (re-publishing the same image is fine)."""
    previous = {tag: client.get_manifest(tag) for tag in tags}
    for tag in immutable:
        found = previous.get(tag)
        if found is not None and found.digest != digest:
            raise PublishError(
                f"tag {tag} already exists in {client.repository} as {found.digest[:19]} and is immutable",
                fix="publish a new commit or version ([tool.shipyard.publish] immutable names the rules)",
            )
    return previous


def _push_image(client: RegistryClient, archive: ImageArchive, image: PlatformImage, log: _Log) -> None:
    for blob in image.blobs:
        if client.blob_exists(blob.digest):
            continue
        with archive.open(blob.digest) as content:
            client.upload_blob(blob.digest, blob.size, content)
        log(f"{image.platform}: uploaded {blob.digest[:19]} ({blob.size} bytes)")
    client.put_manifest(image.digest, image.manifest, image.media_type)
    log(f"{image.platform}: pushed manifest {image.digest}")


def _move_tags(
    client: RegistryClient,
    tags: tuple[str, ...],
    index: bytes,
    previous: Mapping[str, Manifest | None],
    log: _Log,
) -> None:
    moved: list[str] = []
    try:
        for tag in tags:
            client.put_manifest(tag, index, OCI_INDEX)
            moved.append(tag)
            log(f"tagged {client.repository}:{tag}")
    except PublishError as exc:
        left = _roll_back(client, moved, previous, log)
        note = (
            f"; left pointing at the new image (the registry does not delete tags): {', '.join(left)}"
            if left
            else ""
        )
        raise PublishError(
            f"{exc.message}; the tags moved so far were put back{note}",
            fix=exc.fix,
        ) from exc


def _roll_back(
    client: RegistryClient, moved: list[str], previous: Mapping[str, Manifest | None], log: _Log
) -> list[str]:
    """Point every moved tag back at its previous manifest; the tags that could not be undone."""
    left: list[str] = []
    for tag in moved:
        before = previous.get(tag)
        try:
            if before is not None:
                client.put_manifest(tag, before.data, before.media_type)
                log(f"rolled back {tag} to {before.digest}")
            elif client.delete_manifest(tag):
                log(f"rolled back {tag}: deleted (it did not exist before)")
            else:
                left.append(tag)
        except ShipyardError as exc:
            log(f"could not roll back {tag}: {exc.one_line()}")
            left.append(tag)
    return left


class _Cosign:
    """cosign on the host, with a temporary DOCKER_CONFIG and key file that are removed afterwards."""

    def __init__(self, binary: Path, repository: Repository, secrets: Secrets, log: _Log) -> None:
        self._binary = binary
        self._repository = repository
        self._secrets = secrets
        self._log = log

    def sign_and_attest(self, reference: str, sbom: Path) -> list[CommandOutcome]:
        with tempfile.TemporaryDirectory(prefix="shipyard-sign-") as tmp:
            home = Path(tmp)
            key = home / "cosign.key"
            key.touch(mode=0o600)
            assert self._secrets.cosign_key is not None  # noqa: S101 - checked by the caller
            key.write_bytes(self._secrets.cosign_key)
            docker_config = home / "docker"
            docker_config.mkdir(mode=0o700)
            credentials = self._secrets.credentials
            auth = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
            config = docker_config / "config.json"
            config.touch(mode=0o600)
            config.write_text(
                json.dumps({"auths": {self._repository.host: {"auth": auth}}}), encoding="utf-8"
            )
            env = {name: os.environ[name] for name in PASS_ENV if name in os.environ}
            env |= {
                "HOME": tmp,
                "DOCKER_CONFIG": str(docker_config),
                "TUF_ROOT": str(home / "sigstore"),
                "COSIGN_PASSWORD": self._secrets.cosign_password,
            }
            http = ["--allow-http-registry"] if self._repository.local else []
            common = ["--key", str(key), "--tlog-upload=false", "--yes", *http]
            return [
                self._run("sign", ["sign", *common, reference], env),
                self._run(
                    "attest",
                    ["attest", *common, "--type", "cyclonedx", "--predicate", str(sbom), reference],
                    env,
                ),
            ]

    def _run(self, label: str, args: list[str], env: dict[str, str]) -> CommandOutcome:
        argv = [str(self._binary), *args]
        self._log("$ cosign " + " ".join(args))
        try:
            done = subprocess.run(
                argv,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=COSIGN_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PublishError(
                f"cosign {label} could not run on this host: {exc}",
                fix="check that the cosign image's binary runs here (it is copied out of the pinned image)",
            ) from exc
        output = self._log.scrub(done.stdout + done.stderr)
        for line in output.splitlines():
            self._log(line)
        self._log(f"[exit {done.returncode}]")
        if done.returncode != 0:
            lines = [line for line in output.splitlines() if line.strip()]
            raise PublishError(
                f"cosign {label} of {args[-1]} failed with exit {done.returncode}: "
                f"{lines[-1] if lines else 'no output'}; no tag was written",
                fix="check COSIGN_KEY and COSIGN_PASSWORD; the log of the publish stage has cosign's output",
            )
        return CommandOutcome(
            label=f"cosign-{label}",
            argv=("cosign", *args),
            exit_code=0,
            output_tail="\n".join(output.splitlines()[-10:]),
        )
