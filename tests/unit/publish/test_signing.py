"""The core's signing policy over a recording Signer (the seam the executors implement)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.errors import PublishError
from shipyard.executor import StepContext
from shipyard.oci.auth import Credentials
from shipyard.oci.reference import Repository
from shipyard.oci.scrub import Scrubber
from shipyard.publish.log import PublishLog
from shipyard.publish.secrets import Secrets
from shipyard.publish.signing import CosignCommand, CosignRun, SignerPaths, cosign_commands, sign_and_attest

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.stages.outcome import CommandOutcome

SECRETS = Secrets(credentials=Credentials("me", "pw-123"), cosign_key=b"KEY", cosign_password="kp-456")  # noqa: S106 - a test value
REF = "127.0.0.1:5001/acme/app@sha256:" + "a" * 64


class RecordingSigner:
    """Answers each command with the next canned run and records what it was asked."""

    def __init__(self, *runs: CosignRun) -> None:
        self.runs = list(runs)
        self.asked: list[CosignCommand] = []

    def paths(self, sbom: Path) -> SignerPaths:
        return SignerPaths(key="/keys/cosign.key", predicate=f"/in/{sbom.name}")

    def run(self, command: CosignCommand, repository: Repository, secrets: Secrets) -> CosignRun:
        assert secrets is SECRETS
        assert repository.host == "127.0.0.1:5001"
        self.asked.append(command)
        return self.runs.pop(0)


def _log(tmp_path: Path, lines: list[str]) -> PublishLog:
    context = StepContext(root=tmp_path, files=(), out_dir=tmp_path, log=lines.append)
    return PublishLog(context, Scrubber(["pw-123", "kp-456"]))


def run_signing(signer: RecordingSigner, tmp_path: Path, lines: list[str]) -> list[CommandOutcome]:
    return sign_and_attest(
        signer,
        REF,
        tmp_path / "sbom.cdx.json",
        repository=Repository.parse(REF.split("@", maxsplit=1)[0]),
        secrets=SECRETS,
        log=_log(tmp_path, lines),
    )


def test_sign_then_attest_the_digest_with_the_signer_paths_and_no_secret_in_argv(tmp_path: Path) -> None:
    signer = RecordingSigner(CosignRun(0, "signed"), CosignRun(0, "attested"))
    lines: list[str] = []
    outcomes = run_signing(signer, tmp_path, lines)
    assert [c.label for c in signer.asked] == ["sign", "attest"]
    sign, attest = signer.asked
    assert sign.args[-1] == attest.args[-1] == REF
    assert sign.args[1:3] == ("--key", "/keys/cosign.key")
    assert "--allow-http-registry" in sign.args  # a loopback registry speaks plain HTTP
    assert attest.args[attest.args.index("--predicate") + 1] == "/in/sbom.cdx.json"
    assert not any("pw-123" in a or "kp-456" in a for c in signer.asked for a in c.args)
    assert [o.label for o in outcomes] == ["cosign-sign", "cosign-attest"]


def test_a_remote_registry_gets_no_plain_http_flag() -> None:
    commands = cosign_commands("ghcr.io/acme/app@sha256:" + "b" * 64, SignerPaths("k", "p"), http=False)
    assert all("--allow-http-registry" not in c.args for c in commands)


def test_a_failed_sign_stops_before_attest_names_cosigns_last_line_and_is_scrubbed(tmp_path: Path) -> None:
    signer = RecordingSigner(CosignRun(1, "Error: decrypt key with password kp-456: wrong password"))
    lines: list[str] = []
    with pytest.raises(PublishError) as caught:
        run_signing(signer, tmp_path, lines)
    assert [c.label for c in signer.asked] == ["sign"]
    message = caught.value.message
    assert message.startswith(f"cosign sign of {REF} failed with exit 1: Error: decrypt key")
    assert message.endswith("no tag was written")
    assert "kp-456" not in message
    assert all("kp-456" not in line for line in lines)
    assert "kp-456" not in (tmp_path / "log.txt").read_text()
