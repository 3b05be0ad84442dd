"""Interpreters for python:*-slim: a pyenv build relocated to /usr/local, or a Debian package's.

Debian's: bookworm's python3.11 for arm64, forky's python3.14/3.15 for both platforms.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.bootstrap.rootfs import HOST_CAS
from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

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
    pip = {"pip": "/usr/bin/pip3", "pip3": "/usr/bin/pip3", "pip3.11": "/usr/bin/pip3"}
    _link_debian_python(rootfs, "3.11", pip)
    return debian_version(rootfs, "python3.11")


def debianize_forky(rootfs: Path, minor: str, pip_from: Path) -> str:
    """Give forky's python`minor` the official image's names, pip included; return its full version.

    pip is Debian's own wheel installed into /usr/local, natively in the amd64 rootfs `pip_from`
    (pure Python, `#!/usr/bin/python<minor>`), then copied as it is into an arm64 `rootfs`: no qemu.
    """
    if not (pip_from / f"usr/local/bin/pip{minor}").exists():
        wheel = min((pip_from / "usr/share/python-wheels").glob("pip-*.whl"))
        inside = f"/usr/share/python-wheels/{wheel.name}"
        argv = [f"/usr/bin/python{minor}", f"{inside}/pip", "install", "--no-index", "--no-cache-dir"]
        argv += ["--disable-pip-version-check", "--root-user-action=ignore", "-q", inside]
        (pip_from / f"usr/lib/python{minor}/EXTERNALLY-MANAGED").unlink(missing_ok=True)
        run(["chroot", str(pip_from), *argv], fix="check the rootfs's python-wheels (python3-pip-whl)")
    if rootfs != pip_from:
        for sub in ("bin", "lib"):
            src, dest = pip_from / "usr/local" / sub, rootfs / "usr/local" / sub
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(src, dest, symlinks=True)
    _link_debian_python(rootfs, minor, {})
    return debian_version(rootfs, f"python{minor}")


def _link_debian_python(rootfs: Path, minor: str, extra: dict[str, str]) -> None:
    """/usr/local/bin/python3.X, python3 and python as in the official image; pip outside a venv allowed."""
    local_bin = rootfs / "usr/local/bin"
    local_bin.mkdir(parents=True, exist_ok=True)
    links = {
        f"python{minor}": f"/usr/bin/python{minor}",
        "python3": f"python{minor}",
        "python": f"python{minor}",
    }
    for name, target in (links | extra).items():
        link = local_bin / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    (rootfs / f"usr/lib/python{minor}/EXTERNALLY-MANAGED").unlink(missing_ok=True)


def debian_version(rootfs: Path, package: str) -> str:
    """The upstream version of an installed Debian package, from the rootfs's dpkg status (`3.14.8`)."""
    status = (rootfs / "var/lib/dpkg/status").read_text(encoding="utf-8")
    for stanza in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and line[0] != " ")
        if fields.get("Package") == package and "Version" in fields:
            return fields["Version"].split(":", 1)[-1].split("-", 1)[0].split("+", 1)[0]
    raise BootstrapError(
        f"{package} is not installed in {rootfs}", fix="delete that rootfs directory and re-run the bootstrap"
    )
