"""Run a publish stage: preflight, push every platform by digest, sign, then move the tags.

Order, so that no tag ever points at something incomplete:
1. preflight: the secrets are there, the tags are valid, every platform's archive reads, the SBOM
   is there when signing, the registry answers and accepts the credentials;
2. under a per-repository lock: no immutable tag exists already (unless it already names exactly
   this image); every blob and each platform's manifest is pushed by digest, then one OCI image
   index listing them, by digest;
3. the signer signs the index digest and attests the SBOM (both stored next to the digest, no tag);
4. only then every tag is pointed at the index. If one tag PUT fails, the tags already moved are
   put back (tags.move_tags).

Secrets never reach argv, logs or reports: every line that is logged or raised is scrubbed.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import PublishError, ShipyardError
from shipyard.oci.index import Platform, digest_of, image_index
from shipyard.oci.layout import ImageArchive
from shipyard.oci.media import OCI_INDEX
from shipyard.oci.reference import Repository
from shipyard.oci.registry import RegistryClient
from shipyard.oci.scrub import Scrubber
from shipyard.oci.tags import invalid_tags
from shipyard.publish.lock import lock_timeout, publish_lock
from shipyard.publish.log import PublishLog
from shipyard.publish.secrets import Secrets
from shipyard.publish.signing import sign_and_attest
from shipyard.publish.tags import move_tags, preflight_tags
from shipyard.stages.build import METADATA_JSON
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.publish import PUBLISH_JSON, REGISTRY_USERNAME, publish_params

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.executor import StepContext
    from shipyard.oci.layout import PlatformImage
    from shipyard.publish.signing import Signer
    from shipyard.stages.spec import PublishStep, Stage

NO_SBOM = Path("/nonexistent")


@dataclass(frozen=True)
class PublishInputs:
    """What the executor hands over: each build stage's image archive and metadata, and the SBOM."""

    archives: Mapping[str, Path]
    """Build stage id → the image tarball it produced (an OCI layout, as `docker save` writes it)."""
    metadata: Mapping[str, Path]
    """Build stage id → its build metadata (the platform)."""
    sbom: Path | None
    """The CycloneDX SBOM the attestation carries (None when no sbom stage ran)."""


def run_publish(
    stage: Stage,
    step: PublishStep,
    context: StepContext,
    inputs: PublishInputs,
    signer: Signer | None,
    *,
    timeout: float | None = None,
) -> StageOutcome:
    """Publish, or fail with one scrubbed line saying why and what was (not) left behind."""
    log = PublishLog(context, Scrubber(v for k, v in context.secrets.items() if k != REGISTRY_USERNAME))
    commands: list[CommandOutcome] = []
    try:
        secrets = Secrets.read(context.secrets, sign=step.sign)
        log.scrub = secrets.scrubber(context.secrets)
        _publish(
            stage=stage,
            step=step,
            context=context,
            inputs=inputs,
            signer=signer,
            secrets=secrets,
            log=log,
            commands=commands,
            timeout=lock_timeout() if timeout is None else timeout,
        )
    except ShipyardError as exc:
        message = log.scrub(exc.one_line())
        log(f"publish failed: {message}")
        return StageOutcome(
            stage_id=stage.id, out_dir=context.out_dir, commands=tuple(commands), error=message
        )
    return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=tuple(commands))


def _publish(
    *,
    stage: Stage,
    step: PublishStep,
    context: StepContext,
    inputs: PublishInputs,
    signer: Signer | None,
    secrets: Secrets,
    log: PublishLog,
    commands: list[CommandOutcome],
    timeout: float,
) -> None:
    params = publish_params(stage.params)
    if not step.tags:
        raise PublishError("there are no tags to publish", fix="publish from a git commit (sha tag)")
    bad = invalid_tags(step.tags)
    if bad:
        raise PublishError(f"{bad[0]!r} is not a valid image tag", fix="check [tool.shipyard.publish] tags")
    repository = Repository.parse(step.repository)
    sbom = inputs.sbom or NO_SBOM
    if step.sign and not sbom.is_file():
        raise PublishError(f"signing needs the SBOM {sbom}", fix="let the sbom stage run before publish")
    if step.sign and signer is None:
        raise PublishError("signing is on but this executor has no signer", fix="report this as a bug")
    client = RegistryClient(repository, secrets.credentials)
    log(f"logging in to {repository.host} as {secrets.credentials.username}")
    client.login()
    with contextlib.ExitStack() as stack:
        images: list[tuple[ImageArchive, PlatformImage]] = []
        for build_id in step.images_from:
            archive, image = _platform_image(inputs.archives[build_id], inputs.metadata[build_id])
            stack.enter_context(archive)
            images.append((archive, image))
        index = image_index([image.entry() for _, image in images])
        digest = digest_of(index)
        stack.enter_context(publish_lock(str(repository), timeout=timeout))
        previous = preflight_tags(client, step.tags, params.immutable, digest)
        for archive, image in images:
            _push_image(client, archive, image, log)
        client.put_manifest(digest, index, OCI_INDEX)
        log(f"pushed the index {digest} ({', '.join(str(i.platform) for _, i in images)})")
        if step.sign and signer is not None:
            commands += sign_and_attest(
                signer, f"{repository}@{digest}", sbom, repository=repository, secrets=secrets, log=log
            )
        move_tags(client, step.tags, index, previous, log)
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


def _platform_image(archive_path: Path, metadata_path: Path) -> tuple[ImageArchive, PlatformImage]:
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        platform = Platform.parse(str(metadata["platform"]))
    except (OSError, ValueError, KeyError) as exc:
        raise PublishError(
            f"{metadata_path.parent / METADATA_JSON} is missing or malformed: {exc}", fix="re-run the build"
        ) from exc
    archive = ImageArchive(archive_path)
    try:
        return archive, archive.image(platform)
    except BaseException:
        archive.close()
        raise


def _push_image(client: RegistryClient, archive: ImageArchive, image: PlatformImage, log: PublishLog) -> None:
    for blob in image.blobs:
        if client.blob_exists(blob.digest):
            continue
        with archive.open(blob.digest) as content:
            client.upload_blob(blob.digest, blob.size, content)
        log(f"{image.platform}: uploaded {blob.digest[:19]} ({blob.size} bytes)")
    client.put_manifest(image.digest, image.manifest, image.media_type)
    log(f"{image.platform}: pushed manifest {image.digest}")
