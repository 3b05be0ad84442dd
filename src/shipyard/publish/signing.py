"""Signing: which cosign commands run, and what their exit means. Where cosign runs is the executor's.

The core decides the commands (sign the index digest, attest the SBOM, no transparency-log
upload, plain HTTP only for a local registry) and judges each run; a `Signer` only runs cosign
with the key, the registry credentials and COSIGN_PASSWORD placed where cosign reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from shipyard.errors import PublishError
from shipyard.stages.outcome import CommandOutcome

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.oci.reference import Repository
    from shipyard.publish.log import PublishLog
    from shipyard.publish.secrets import Secrets

OUTPUT_TAIL = 10


@dataclass(frozen=True)
class SignerPaths:
    """Where a signer's cosign finds its inputs (paths as that cosign sees them)."""

    key: str
    """The cosign private key."""
    predicate: str
    """The CycloneDX SBOM attested to the image."""


@dataclass(frozen=True)
class CosignRun:
    """What a signer observed of one cosign command."""

    exit_code: int
    output: str


@dataclass(frozen=True)
class CosignCommand:
    """One cosign command the core wants run."""

    label: str
    """`sign` or `attest`."""
    args: tuple[str, ...]
    """Arguments after the cosign binary."""


class Signer(Protocol):
    """Runs cosign for a publish, with the secrets in files and variables, never in argv."""

    def paths(self, sbom: Path) -> SignerPaths:
        """Where the key and the SBOM will be for the commands."""
        ...

    def run(self, command: CosignCommand, repository: Repository, secrets: Secrets) -> CosignRun:
        """Run one command with the registry's credentials, the key and COSIGN_PASSWORD available."""
        ...


def cosign_commands(reference: str, paths: SignerPaths, *, http: bool) -> tuple[CosignCommand, ...]:
    """`cosign sign` of the digest, then `cosign attest` of the SBOM: both before any tag moves."""
    common = (
        "--key",
        paths.key,
        "--tlog-upload=false",
        "--yes",
        *(("--allow-http-registry",) if http else ()),
    )
    return (
        CosignCommand("sign", ("sign", *common, reference)),
        CosignCommand(
            "attest", ("attest", *common, "--type", "cyclonedx", "--predicate", paths.predicate, reference)
        ),
    )


def sign_and_attest(
    signer: Signer,
    reference: str,
    sbom: Path,
    *,
    repository: Repository,
    secrets: Secrets,
    log: PublishLog,
) -> list[CommandOutcome]:
    """Run the signing commands; the first failure raises, naming the command and cosign's last line."""
    outcomes: list[CommandOutcome] = []
    for command in cosign_commands(reference, signer.paths(sbom), http=repository.local):
        log("$ cosign " + " ".join(command.args))
        run = signer.run(command, repository, secrets)
        lines = [line for line in log.scrub(run.output).splitlines() if line.strip()]
        for line in lines:
            log(line)
        log(f"[exit {run.exit_code}]")
        if run.exit_code != 0:
            raise PublishError(
                f"cosign {command.label} of {reference} failed with exit {run.exit_code}: "
                f"{lines[-1] if lines else 'no output'}; no tag was written",
                fix="check COSIGN_KEY and COSIGN_PASSWORD; the log of the publish stage has cosign's output",
            )
        outcomes.append(
            CommandOutcome(
                label=f"cosign-{command.label}",
                argv=("cosign", *command.args),
                exit_code=0,
                output_tail="\n".join(lines[-OUTPUT_TAIL:]),
            )
        )
    return outcomes
