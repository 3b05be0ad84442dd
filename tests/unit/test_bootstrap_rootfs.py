"""The first stage of a rootfs survives a download the mirror dropped, and only that."""

from __future__ import annotations

import io
import os
import stat
from typing import TYPE_CHECKING

import pytest

from shipyard.bootstrap import rootfs
from shipyard.bootstrap.report import Report
from shipyard.bootstrap.rootfs import RootfsSpec
from shipyard.bootstrap.settings import Settings
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from pathlib import Path

# debootstrap's own last lines when a package download fails (seen on a bootstrap of trixie here)
DROPPED = "I: Retrieving zlib1g 1:1.3.dfsg+really1.3.1-1+deb13u1\nE: Couldn't download packages: bsdutils\n"
BAD_SUITE = "E: No such script: /usr/share/debootstrap/scripts/nosuch\n"


def fake_debootstrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failures: list[str]) -> Path:
    """A `debootstrap` on PATH that prints each of `failures` and exits 1, once each, then succeeds.

    Every call is counted in `calls` and checks it starts from an empty target.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for i, text in enumerate(failures):
        (tmp_path / f"fail{i}").write_text(text, encoding="utf-8")
    script = bin_dir / "debootstrap"
    script.write_text(
        f"""#!/bin/sh
state={tmp_path}
n=$(cat "$state/calls" 2>/dev/null || echo 0)
echo $((n + 1)) > "$state/calls"
target=$(for a; do case "$a" in -*) ;; *) echo "$a";; esac; done | sed -n 2p)
[ -z "$(ls -A "$target")" ] || {{ echo "E: target not empty" >&2; exit 3; }}
touch "$target/partial"
if [ -f "$state/fail$n" ]; then cat "$state/fail$n" >&2; exit 1; fi
touch "$target/first-stage-done"
""",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(rootfs, "DOWNLOAD_RETRY_PAUSES", (0.0, 0.0))
    return tmp_path / "calls"


def first_stage(tmp_path: Path) -> tuple[Path, Report]:
    settings = Settings(
        state_dir=tmp_path / "state",
        registry_port=5000,
        auth_registry_port=5001,
        debian_mirror="http://mirror.invalid",
    )
    target = tmp_path / "target"
    target.mkdir()
    report = Report(out=io.StringIO())
    rootfs._debootstrap(settings, RootfsSpec("t-amd64", "amd64", suite="trixie"), target, report)  # pyright: ignore[reportPrivateUsage]
    return target, report


def test_a_dropped_download_is_tried_again_from_an_empty_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_debootstrap(tmp_path, monkeypatch, [DROPPED, DROPPED])

    target, report = first_stage(tmp_path)

    assert calls.read_text().strip() == "3"
    assert (target / "first-stage-done").exists()
    assert isinstance(report.out, io.StringIO)
    assert report.out.getvalue().count("a download failed, trying again") == 2


def test_a_download_that_keeps_failing_is_an_error_after_three_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_debootstrap(tmp_path, monkeypatch, [DROPPED, DROPPED, DROPPED])

    with pytest.raises(BootstrapError, match="Couldn't download packages: bsdutils"):
        first_stage(tmp_path)
    assert calls.read_text().strip() == "3"


def test_any_other_failure_is_an_error_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_debootstrap(tmp_path, monkeypatch, [BAD_SUITE])

    with pytest.raises(BootstrapError, match="No such script"):
        first_stage(tmp_path)
    assert calls.read_text().strip() == "1"
