"""Seeding images side by side: shared layers are made once, every job runs, errors are not lost."""

from __future__ import annotations

import hashlib
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from shipyard.bootstrap import base_images, oci, python_dist
from shipyard.bootstrap import run as bootstrap_run
from shipyard.bootstrap.images import side_by_side
from shipyard.bootstrap.oci import layer_from_dir
from shipyard.bootstrap.rootfs import PYTHON_AMD64, rootfs_dir
from shipyard.bootstrap.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path


def test_a_layer_asked_for_by_several_images_at_once_is_one_whole_tar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = bootstrap_run.run

    def slow_tar(argv: list[str]) -> str:
        time.sleep(0.2)  # the tar of a real rootfs takes seconds: every image asks within them
        return real_run(argv)

    monkeypatch.setattr(oci, "run", slow_tar)
    root = tmp_path / "rootfs"
    for i in range(40):
        (root / f"d{i}").mkdir(parents=True)
        (root / f"d{i}" / "f").write_bytes(bytes([i]) * 200_000)
    out = tmp_path / "layers" / "base.tar"
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(layer_from_dir, root, out) for _ in range(6)]
    blobs = [future.result() for future in futures]

    digest = "sha256:" + hashlib.sha256(out.read_bytes()).hexdigest()
    assert {blob.digest for blob in blobs} == {digest}
    assert {blob.size for blob in blobs} == {out.stat().st_size}
    with tarfile.open(out) as tar:
        assert len([m for m in tar.getmembers() if m.isfile()]) == 40
    assert not out.with_name("base.tar.partial").exists()


def test_every_job_runs_and_the_first_error_is_raised_after_all(tmp_path: Path) -> None:
    ran: list[int] = []

    def job(i: int) -> None:
        if i == 1:
            msg = "seeding 1 failed"
            raise RuntimeError(msg)
        (tmp_path / str(i)).touch()
        ran.append(i)

    with pytest.raises(RuntimeError, match="seeding 1 failed"):
        side_by_side([lambda i=i: job(i) for i in range(5)])
    assert sorted(ran) == [0, 2, 3, 4]


def test_the_python_base_layer_is_tarred_before_any_job_hard_links_the_base_rootfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stage_pyenv's `cp -al` of the base rootfs changes the ctime of every file: a tar of the base
    # running beside it failed with "file changed as we read it" (seen on a fresh machine here)
    events: list[str] = []
    real_tar = bootstrap_run.run

    def slow_tar(argv: list[str]) -> str:
        events.append("tar started")
        time.sleep(0.3)
        out = real_tar(argv)
        events.append("tar done")
        return out

    def stage_pyenv(src: Path, base_rootfs: Path, stage: Path) -> None:
        events.append(f"hard links {base_rootfs.name}")
        stage.mkdir(parents=True)
        (stage / src.name).write_text("python", encoding="utf-8")

    monkeypatch.setattr(oci, "run", slow_tar)
    monkeypatch.setattr(python_dist, "stage_pyenv", stage_pyenv)
    settings = Settings(
        state_dir=tmp_path, registry_port=5000, auth_registry_port=5001, debian_mirror="http://mirror.invalid"
    )
    base = rootfs_dir(settings, PYTHON_AMD64)
    (base / "usr/lib").mkdir(parents=True)
    (base / "usr/lib/libc.so.6").write_bytes(b"\0" * 1000)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = [
            pool.submit(base_images._python_amd64, settings, tmp_path / "pyenv" / v)  # pyright: ignore[reportPrivateUsage]
            for v in ("3.12.7", "3.13.1", "3.10.15")
        ]
    images = [future.result() for future in futures]

    first_link = events.index("hard links python-amd64")
    assert events.index("tar done") < first_link, events
    assert events[:2] == ["tar started", "tar done"], "the base is tarred once, by the first job"
    assert len({image.layers[0].digest for image in images}) == 1
