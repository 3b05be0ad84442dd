"""Publishing on Dagger: the core's publish (shipyard.publish) with the engine's files and a signer.

The core decides every tag, the order and the rollback; this module only
- exports each build stage's image archive from the engine into the module runtime, where the
  core's OCI client pushes it by digest (and the package stage's dist/, which the core's index
  client uploads), and
- runs the cosign commands the core asks for in a container: the binary copied out of the pinned
  cosign image, the key mounted as a secret file owned by the user the exec runs as, the registry
  password and COSIGN_PASSWORD as secret variables that cosign's shell wrapper reads itself.

Engine rules relied on (dagger/dagger):
- `with_exec(expand=True)` is refused next to a secret variable ("expand cannot be used with secret
  env variable", core/container.go ExpandContainerInput): nothing here expands; the wrapper script
  reads the variables in the container's own shell.
- `with_mounted_secret` mounts as uid 0, mode 0400 unless `owner` is given (core/schema/container.go,
  withMountedSecret's defaults; sdk/python/src/dagger/client/gen.py): the mount's owner is the exec's
  user, so the key is readable whichever user runs cosign.
- `with_mounted_temp` is a tmpfs "ephemeral to a single withExec call" (gen.py): cosign's docker
  config, which holds the registry password, lives there and is in no layer.
- An exec is cached by its inputs (core/container.go): every signing exec carries a fresh nonce,
  because signing writes to a registry whose state is not an input.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import anyio.from_thread
import dagger
from dagger import dag

from shipyard.publish.run import PublishInputs
from shipyard.publish.signing import CosignRun, SignerPaths
from shipyard.stages.build import IMAGE_TAR, METADATA_JSON
from shipyard.stages.package_verdict import DIST
from shipyard.stages.publish import COSIGN_KEY, COSIGN_PASSWORD, REGISTRY_PASSWORD, REGISTRY_USERNAME
from shipyard.stages.sbom import CYCLONEDX_JSON
from shipyard.stages.spec import ToolBinary
from shipyard_ci.translate import TOOL_MODE, tool_file

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from shipyard.executor import StepContext
    from shipyard.oci.reference import Repository
    from shipyard.publish.secrets import Secrets
    from shipyard.publish.signing import CosignCommand
    from shipyard.stages.publish import PublishParams
    from shipyard.stages.spec import IndexPublishStep, PublishStep

SIGNER_USER = "0"
"""The user the signing exec runs as; the key mount is owned by the same user."""
COSIGN = "/usr/local/bin/cosign"
HOME = "/run/shipyard-sign"
"""A tmpfs: cosign's home, its docker config and TUF cache; gone after the exec."""
KEY = "/run/secrets/cosign.key"
PREDICATE = f"/in/{CYCLONEDX_JSON}"
REGISTRY_HOST = "SHIPYARD_REGISTRY_HOST"
WRAPPER = (
    'set -eu; umask 077; mkdir -p "$DOCKER_CONFIG"; '
    'auth="$(printf "%s:%s" "$SHIPYARD_REGISTRY_USERNAME" "$SHIPYARD_REGISTRY_PASSWORD"'
    ' | base64 | tr -d "\\n")"; '
    'printf \'{"auths":{"%s":{"auth":"%s"}}}\' "$SHIPYARD_REGISTRY_HOST" "$auth"'
    ' > "$DOCKER_CONFIG/config.json"; '
    'exec "$@"'
)
"""Writes cosign's registry config from the secret variables inside the container, then runs cosign."""


class DaggerSigner:
    """The core's Signer on Dagger: one container exec per cosign command."""

    def __init__(
        self,
        params: PublishParams,
        sbom: dagger.File,
        secrets_by_name: Mapping[str, dagger.Secret],
    ) -> None:
        self._params = params
        self._sbom = sbom
        self._secrets = secrets_by_name

    def paths(self, sbom: Path) -> SignerPaths:
        """The key and the SBOM at fixed paths inside the signing container."""
        del sbom  # the engine's own copy of the SBOM is mounted instead
        return SignerPaths(key=KEY, predicate=PREDICATE)

    def container(self, repository: Repository, username: str) -> dagger.Container:
        """The signing container before its exec (lazy)."""
        cosign = ToolBinary(
            tool="cosign", image=self._params.cosign_image, source=self._params.cosign_binary, dest=COSIGN
        )
        ctr = (
            dag.container()
            .from_(self._params.signer_image)
            .with_user(SIGNER_USER)
            .with_file(COSIGN, tool_file(cosign), permissions=TOOL_MODE)
            .with_mounted_file(PREDICATE, self._sbom)
            .with_mounted_secret(KEY, self._secrets[COSIGN_KEY], owner=SIGNER_USER)
            .with_mounted_temp(HOME)
            .with_env_variable("HOME", HOME)
            .with_env_variable("DOCKER_CONFIG", f"{HOME}/docker")
            .with_env_variable("TUF_ROOT", f"{HOME}/sigstore")
            .with_env_variable(REGISTRY_HOST, repository.host)
            .with_env_variable(REGISTRY_USERNAME, username)
            .with_secret_variable(REGISTRY_PASSWORD, self._secrets[REGISTRY_PASSWORD])
        )
        if COSIGN_PASSWORD in self._secrets:
            ctr = ctr.with_secret_variable(COSIGN_PASSWORD, self._secrets[COSIGN_PASSWORD])
        return ctr

    def exec_container(
        self, command: CosignCommand, repository: Repository, username: str
    ) -> dagger.Container:
        """The signing container after one cosign command (lazy; never cached across runs)."""
        return (
            self.container(repository, username)
            .with_env_variable("SHIPYARD_SIGN_NONCE", secrets.token_hex(8))
            .with_exec(["sh", "-c", WRAPPER, "sh", COSIGN, *command.args], expect=dagger.ReturnType.ANY)
        )

    def run(self, command: CosignCommand, repository: Repository, secrets: Secrets) -> CosignRun:
        """Run one command on the engine (called from the core's worker thread)."""
        ctr = self.exec_container(command, repository, secrets.credentials.username)
        return anyio.from_thread.run(_observe, ctr)


async def _observe(ctr: dagger.Container) -> CosignRun:
    return CosignRun(exit_code=await ctr.exit_code(), output=await ctr.combined_output())


async def publish_inputs(
    step: PublishStep, context: StepContext, outputs: Mapping[str, dagger.Directory], scratch: Path
) -> PublishInputs:
    """Export each build stage's image archive from the engine into `scratch`, for the core's OCI client."""
    archives: dict[str, Path] = {}
    for build_id in step.images_from:
        target = scratch / build_id / IMAGE_TAR
        _ = await outputs[build_id].file(IMAGE_TAR).export(str(target))
        archives[build_id] = target
    sbom = context.upstream.get("sbom")
    return PublishInputs(
        archives=archives,
        metadata={b: context.upstream[b] / METADATA_JSON for b in step.images_from},
        sbom=sbom / CYCLONEDX_JSON if sbom else None,
    )


async def export_dist(step: IndexPublishStep, outputs: Mapping[str, dagger.Directory], scratch: Path) -> Path:
    """Export the package stage's dist/ from the engine into `scratch`, for the core's index client."""
    target = scratch / DIST
    _ = await outputs[step.dist_from].directory(DIST).export(str(target))
    return target
