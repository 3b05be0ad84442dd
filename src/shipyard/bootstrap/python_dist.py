"""Interpreters for python:*-slim: a pyenv build relocated to /usr/local, or Debian's arm64 python3.11."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.bootstrap.rootfs import HOST_CAS
from shipyard.bootstrap.run import run

if TYPE_CHECKING:
    from collections.abc import Callable

PREFIX = "/usr/local"
_DROP_DIRS = {"test", "idlelib", "turtledemo", "tkinter", "__phello__"}
_TEXT_FILES = ("lib/python{v}/_sysconfigdata_*.py", "lib/python{v}/config-*/Makefile", "lib/pkgconfig/*.pc")


def pyenv_root() -> Path:
    """Where pyenv keeps its interpreters (PYENV_ROOT, else /root/.pyenv)."""
    return Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))


def find_pyenv(minor: str) -> Path | None:
    """The newest pyenv build of `minor` (e.g. `3.12`) on this machine."""
    versions = pyenv_root() / "versions"
    found = [p for p in versions.glob(f"{minor}.*") if p.name.removeprefix(f"{minor}.").isdigit()]
    return max(found, key=lambda p: int(p.name.rsplit(".", 1)[1]), default=None)


def _ignore(minor: str, src: Path) -> Callable[[str, list[str]], set[str]]:
    site = src / "lib" / f"python{minor}" / "site-packages"

    def ignore(directory: str, names: list[str]) -> set[str]:
        drop = {n for n in names if n in _DROP_DIRS or n.endswith(".a") or n.startswith(("idle", "2to3"))}
        if Path(directory) == site:
            drop |= {n for n in names if not n.startswith(("pip", "README"))}
        return drop

    return ignore


def _relocate_text(stage: Path, src: Path, minor: str) -> None:
    """Point scripts and build metadata at /usr/local instead of the pyenv prefix."""
    old = str(src)
    candidates = [p for p in (stage / "bin").iterdir() if p.is_file() and not p.is_symlink()]
    for pattern in _TEXT_FILES:
        candidates += list(stage.glob(pattern.format(v=minor)))
    for path in candidates:
        data = path.read_bytes()
        if b"\0" in data[:1024] or old.encode() not in data:
            continue
        text = data.decode(errors="surrogateescape").replace(
            f"{old}/bin/python{minor}", f"{PREFIX}/bin/python{minor}"
        )
        path.write_bytes(text.replace(old, PREFIX).encode(errors="surrogateescape"))


def _bake_cas_into_pip(stage: Path, minor: str) -> None:
    """Pip trusts its vendored certifi bundle only: append the host's extra CAs to it."""
    bundle = stage / "lib" / f"python{minor}" / "site-packages/pip/_vendor/certifi/cacert.pem"
    cas = sorted(HOST_CAS.glob("*.crt"))
    if bundle.exists() and cas:
        with bundle.open("a", encoding="utf-8") as out:
            for ca in cas:
                out.write("\n" + ca.read_text(encoding="utf-8"))


def stage_pyenv(src: Path, base_rootfs: Path, stage: Path) -> None:
    """Copy the pyenv build `src` into `stage`/usr/local, trimmed, with an ld.so.cache for the image."""
    minor = ".".join(src.name.split(".")[:2])
    shutil.rmtree(stage, ignore_errors=True)
    local = stage / "usr" / "local"
    local.parent.mkdir(parents=True)
    shutil.copytree(src, local, symlinks=True, ignore=_ignore(minor, src))
    _relocate_text(local, src, minor)
    _bake_cas_into_pip(local, minor)
    (local / "bin" / "python").unlink(missing_ok=True)
    (local / "bin" / "python").symlink_to("python3")
    _ld_cache(base_rootfs, stage)


def _ld_cache(base_rootfs: Path, stage: Path) -> None:
    """Run ldconfig over base + stage (a hard-linked merge) so libpython in /usr/local/lib is found."""
    merged = stage.with_name(stage.name + ".merged")
    shutil.rmtree(merged, ignore_errors=True)
    run(["cp", "-al", str(base_rootfs), str(merged)])
    run(["cp", "-a", f"{stage}/.", str(merged)])
    run(["ldconfig", "-r", str(merged)])
    (stage / "etc").mkdir(exist_ok=True)
    shutil.copy2(merged / "etc" / "ld.so.cache", stage / "etc" / "ld.so.cache")
    shutil.rmtree(merged)


def debianize_arm64(rootfs: Path) -> str:
    """Give Debian's python3.11 the official image's /usr/local/bin names; return its full version."""
    local_bin = rootfs / "usr/local/bin"
    local_bin.mkdir(parents=True, exist_ok=True)
    links = {"python3.11": "/usr/bin/python3.11", "python3": "python3.11", "python": "python3.11"}
    links |= {"pip": "/usr/bin/pip3", "pip3": "/usr/bin/pip3", "pip3.11": "/usr/bin/pip3"}
    for name, target in links.items():
        link = local_bin / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    (rootfs / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink(missing_ok=True)
    out = run(
        [
            "chroot",
            str(rootfs),
            "/usr/bin/python3.11",
            "-c",
            "import platform; print(platform.python_version())",
        ]
    )
    return out.strip()
