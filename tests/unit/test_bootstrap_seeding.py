"""Seeding images side by side: shared layers are made once, every job runs, errors are not lost."""

from __future__ import annotations

import hashlib
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from shipyard.bootstrap import oci
from shipyard.bootstrap import run as bootstrap_run
from shipyard.bootstrap.images import side_by_side
from shipyard.bootstrap.oci import layer_from_dir

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
