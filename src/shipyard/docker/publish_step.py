"""The Docker executor's side of publishing: the build archives and dist/ on disk, cosign on this host.

Every rule of publishing (tags, immutability, order, rollback) is the core's (shipyard.publish);
this module hands the core the archives the build stages wrote and a signer that runs the cosign
binary copied out of the pinned cosign image, with a temporary DOCKER_CONFIG and key file (0600)
that are removed afterwards, and only the variables cosign needs.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.errors import PublishError
from shipyard.publish.index_run import run_index_publish
from shipyard.publish.run import PublishInputs, run_publish
from shipyard.publish.signing import CosignRun, SignerPaths
from shipyard.stages.build import IMAGE_TAR, METADATA_JSON
from shipyard.stages.package_verdict import DIST
from shipyard.stages.publish import publish_params
from shipyard.stages.sbom import CYCLONEDX_JSON
from shipyard.stages.spec import ToolBinary

if TYPE_CHECKING:
    from shipyard.docker.container_step import ToolCache
    from shipyard.executor import StepContext
    from shipyard.oci.reference import Repository
    from shipyard.publish.secrets import Secrets
    from shipyard.publish.signing import CosignCommand
    from shipyard.stages.outcome import StageOutcome
    from shipyard.stages.spec import IndexPublishStep, PublishStep, Stage

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
KEY_NAME = "cosign.key"


class HostCosign:
    """The core's Signer: the pinned cosign binary, run on this host in a private temporary home."""

    def __init__(self, binary: Path, home: Path) -> None:
        self._binary = binary
        self._home = home

    def paths(self, sbom: Path) -> SignerPaths:
        """The key lives in the temporary home; the SBOM is read where the sbom stage wrote it."""
        return SignerPaths(key=str(self._home / KEY_NAME), predicate=str(sbom))

    def run(self, command: CosignCommand, repository: Repository, secrets: Secrets) -> CosignRun:
        """Write the key and a docker config (both 0600), run cosign, report its exit and output."""
        key = self._home / KEY_NAME
        key.touch(mode=0o600)
        key.write_bytes(secrets.cosign_key or b"")
        docker_config = self._home / "docker"
        docker_config.mkdir(mode=0o700, exist_ok=True)
        credentials = secrets.credentials
        auth = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
        config = docker_config / "config.json"
        config.touch(mode=0o600)
        config.write_text(json.dumps({"auths": {repository.host: {"auth": auth}}}), encoding="utf-8")
        env = {name: os.environ[name] for name in PASS_ENV if name in os.environ}
        env |= {
            "HOME": str(self._home),
            "DOCKER_CONFIG": str(docker_config),
            "TUF_ROOT": str(self._home / "sigstore"),
            "COSIGN_PASSWORD": secrets.cosign_password,
        }
        try:
            done = subprocess.run(
                [str(self._binary), *command.args],
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=COSIGN_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PublishError(
                f"cosign {command.label} could not run on this host: {exc}",
                fix="check that the cosign image's binary runs here (it is copied out of the pinned image)",
            ) from exc
        return CosignRun(exit_code=done.returncode, output=done.stdout + done.stderr)


class PublishRunner:
    """Runs publish steps for one pipeline run; owns the temporary cosign binary and home."""

    def __init__(self, tools: ToolCache, *, lock_timeout: float | None = None) -> None:
        self._tools = tools
        self._lock_timeout = lock_timeout
        self._bin_dir: Path | None = None

    def cleanup(self) -> None:
        """Remove the copied cosign binary."""
        if self._bin_dir is not None:
            shutil.rmtree(self._bin_dir, ignore_errors=True)
            self._bin_dir = None

    def run(self, stage: Stage, step: PublishStep, context: StepContext) -> StageOutcome:
        """Hand the core the build archives and a host signer."""
        inputs = PublishInputs(
            archives={b: context.upstream[b] / IMAGE_TAR for b in step.images_from},
            metadata={b: context.upstream[b] / METADATA_JSON for b in step.images_from},
            sbom=context.upstream["sbom"] / CYCLONEDX_JSON if "sbom" in context.upstream else None,
        )
        with tempfile.TemporaryDirectory(prefix="shipyard-sign-") as home:
            signer = None
            if step.sign:
                params = publish_params(stage.params)
                signer = HostCosign(
                    self._cosign_binary(params.cosign_image, params.cosign_binary), Path(home)
                )
            return run_publish(stage, step, context, inputs, signer, timeout=self._lock_timeout)

    def _cosign_binary(self, image: str, source: str) -> Path:
        if self._bin_dir is None:
            self._bin_dir = Path(tempfile.mkdtemp(prefix="shipyard-cosign-"))
        path = self._bin_dir / "cosign"
        if not path.exists():
            data = self._tools.get(ToolBinary(tool="cosign", image=image, source=source, dest=str(path)))
            path.write_bytes(data)
            path.chmod(0o700)
        return path


def index_publish(stage: Stage, step: IndexPublishStep, context: StepContext) -> StageOutcome:
    """Hand the core the package stage's dist/ folder, where that stage wrote it on this host."""
    return run_index_publish(stage, step, context, context.upstream[step.dist_from] / DIST)
