"""Preflight pieces of publishing that need no engine: secrets, the cosign key, the lock."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import PublishError
from shipyard.publish.lock import publish_lock
from shipyard.publish.secrets import Secrets, cosign_key_bytes

if TYPE_CHECKING:
    from pathlib import Path

PEM = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
ALL = {
    "SHIPYARD_REGISTRY_USERNAME": "me",
    "SHIPYARD_REGISTRY_PASSWORD": "pw-123",
    "COSIGN_KEY": PEM,
    "COSIGN_PASSWORD": "kp-456",
}


@pytest.mark.parametrize(
    ("drop", "sign", "named"),
    [
        (("SHIPYARD_REGISTRY_PASSWORD",), False, "SHIPYARD_REGISTRY_PASSWORD"),
        (("SHIPYARD_REGISTRY_USERNAME", "COSIGN_KEY"), True, "SHIPYARD_REGISTRY_USERNAME, COSIGN_KEY"),
        (tuple(ALL), True, "SHIPYARD_REGISTRY_USERNAME, SHIPYARD_REGISTRY_PASSWORD, COSIGN_KEY"),
    ],
)
def test_missing_secrets_are_named_all_at_once(drop: tuple[str, ...], *, sign: bool, named: str) -> None:
    values = {k: v for k, v in ALL.items() if k not in drop}
    with pytest.raises(PublishError, match=f"publishing needs {named} set in shipyard's environment"):
        Secrets.read(values, sign=sign)


def test_without_signing_the_cosign_secrets_are_not_needed_and_a_missing_key_password_is_empty() -> None:
    unsigned = Secrets.read(
        {k: ALL[k] for k in ("SHIPYARD_REGISTRY_USERNAME", "SHIPYARD_REGISTRY_PASSWORD")}, sign=False
    )
    assert unsigned.cosign_key is None
    signed = Secrets.read({k: v for k, v in ALL.items() if k != "COSIGN_PASSWORD"}, sign=True)
    assert signed.cosign_password == ""


def test_the_scrubber_of_the_secrets_masks_every_value_but_the_user_name() -> None:
    scrub = Secrets.read(ALL, sign=True).scrubber(ALL)
    assert scrub("me pw-123 kp-456 abc") == "me *** *** ***"


def test_cosign_key_is_its_pem_text_or_the_path_of_a_file_holding_it(tmp_path: Path) -> None:
    assert cosign_key_bytes(PEM) == PEM.encode()
    key = tmp_path / "cosign.key"
    key.write_text(PEM)
    assert cosign_key_bytes(str(key)) == PEM.encode()
    (tmp_path / "other").write_text("not a key")
    for value in (str(tmp_path / "missing.key"), str(tmp_path / "other"), "garbage"):
        with pytest.raises(PublishError, match="neither a PEM private key nor the path") as caught:
            cosign_key_bytes(value)
        assert value not in str(caught.value)


def test_a_second_publish_of_the_same_repository_waits_then_fails_clearly(tmp_path: Path) -> None:
    holding = threading.Event()
    release = threading.Event()

    def first() -> None:
        with publish_lock("127.0.0.1:5001/a/b", timeout=5, directory=tmp_path):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with (
            pytest.raises(
                PublishError, match=r"another publish to 127.0.0.1:5001/a/b still holds .* after 1s"
            ),
            publish_lock("127.0.0.1:5001/a/b", timeout=1, directory=tmp_path),
        ):
            pass
        assert 0.9 <= time.monotonic() - started < 3
        # another repository is not blocked
        with publish_lock("127.0.0.1:5001/a/c", timeout=1, directory=tmp_path):
            pass
    finally:
        release.set()
        thread.join()
    with publish_lock("127.0.0.1:5001/a/b", timeout=1, directory=tmp_path):
        pass  # free again once the first publish is done
