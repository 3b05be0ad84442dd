"""A foreign-architecture (arm64) rootfs finished on the host, without emulating debootstrap's 2nd stage.

`debootstrap --foreign` downloads every package and unpacks the required ones (no qemu). The second
stage would run dpkg and every maintainer script under qemu (minutes). Instead, natively:
1. the remaining packages are unpacked (`dpkg-deb --fsys-tarfile | tar`, keeping the merged /usr
   symlinks) and a dpkg database is written from the .debs (status, info/*.list, scripts, md5sums),
   every package `install ok installed`, so `apt-get install` in a RUN step works;
2. what maintainer scripts would have made and is architecture-independent (/etc/passwd, group,
   shadow, gshadow, alternatives, /etc/shells, the CA bundle, dpkg diversions...) is copied from the
   native *twin* rootfs made from the same package set, when it is missing;
3. only `ldconfig` runs under qemu (one short command), then `/debootstrap` is removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

_ARCH_MARKERS = ("x86_64", "x86-64", "amd64", "lib64", "i386")
"""A path component containing one of these belongs to the twin's architecture only."""
_NOT_FROM_TWIN = (
    "proc",
    "sys",
    "dev",
    "etc/ld.so.cache",
    "var/cache/ldconfig",
    "var/lib/dpkg/status",
    "var/lib/dpkg/status-old",
    "var/lib/dpkg/info",
    "var/lib/dpkg/lock",
    "var/lib/dpkg/lock-frontend",
    "var/lib/dpkg/available",
    "debootstrap",
)
"""Paths (relative to the root) never copied from the twin: architecture-specific or rebuilt here."""
_FIX = "delete the rootfs directory named in the error and re-run the bootstrap"


def host_arch() -> str:
    """The Debian architecture of this machine (`amd64`)."""
    return run(["dpkg", "--print-architecture"]).strip()


def _debs(target: Path) -> dict[str, Path]:
    """Package -> .deb, as debootstrap's first stage recorded them in /debootstrap/debpaths."""
    debs: dict[str, Path] = {}
    for row in (target / "debootstrap/debpaths").read_text(encoding="utf-8").splitlines():
        if row.strip():
            pkg, path = row.split(maxsplit=1)
            debs[pkg] = target / path.lstrip("/")
    return debs


def _pipe_into_tar(deb: Path, target: Path) -> None:
    """Unpack `deb` into `target` natively; existing directory symlinks (merged /usr) are kept."""
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as src:
        done = subprocess.run(
            [
                "tar",
                "-x",
                "--keep-directory-symlink",
                "--no-same-owner",
                "--numeric-owner",
                "-C",
                str(target),
            ],
            stdin=src.stdout,
            capture_output=True,
            check=False,
        )
    if done.returncode != 0 or src.returncode != 0:
        raise BootstrapError(
            f"unpacking {deb.name} into {target} failed: {done.stderr.decode(errors='replace')[-300:]}",
            fix=_FIX,
        )


def _list_file(deb: Path) -> str:
    """The dpkg `.list` of `deb`: every path it ships, `/.` for the root."""
    names = run(["sh", "-c", 'dpkg-deb --fsys-tarfile "$1" | tar -t', "sh", str(deb)]).splitlines()
    paths = ["/" + name.removeprefix("./").rstrip("/") if name not in {"./", "."} else "/." for name in names]
    return "".join(f"{path}\n" for path in paths)


def _register(pkg: str, deb: Path, target: Path, scratch: Path) -> str:
    """Write `pkg`'s info/* files; return its status stanza (`install ok installed`)."""
    control = run(["dpkg-deb", "-f", str(deb)]).rstrip("\n")
    fields = dict(
        line.split(": ", 1) for line in control.splitlines() if ": " in line and not line.startswith(" ")
    )
    arch = fields.get("Architecture", "all")
    key = f"{pkg}:{arch}" if fields.get("Multi-Arch") == "same" else pkg
    info = target / "var/lib/dpkg/info"
    ctl = scratch / pkg
    shutil.rmtree(ctl, ignore_errors=True)
    run(["dpkg-deb", "-e", str(deb), str(ctl)])
    conffiles: list[str] = []
    for item in sorted(ctl.iterdir()):
        if item.name == "control":
            continue
        shutil.copy2(item, info / f"{key}.{item.name}")
        if item.name == "conffiles":
            conffiles = [c for c in item.read_text(encoding="utf-8").splitlines() if c.startswith("/")]
    shutil.rmtree(ctl)
    (info / f"{key}.list").write_text(_list_file(deb), encoding="utf-8")
    lines = control.splitlines()
    stanza = [lines[0], "Status: install ok installed", *lines[1:]]
    hashes = [f" {c} {_md5(target / c.lstrip('/'))}" for c in conffiles if (target / c.lstrip("/")).is_file()]
    if hashes:
        stanza += ["Conffiles:", *hashes]
    return "\n".join(stanza) + "\n"


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _install_natively(target: Path) -> None:
    """Unpack the packages the first stage left packed and write the dpkg database for all of them."""
    debs = _debs(target)
    required = set((target / "debootstrap/required").read_text(encoding="utf-8").split())
    for pkg, deb in debs.items():
        if pkg not in required:
            _pipe_into_tar(deb, target)
    info = target / "var/lib/dpkg/info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "format").write_text("1\n", encoding="utf-8")  # multiarch layout: info/<pkg>:<arch>.*
    scratch = target / "debootstrap/control"
    scratch.mkdir(exist_ok=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [pool.submit(_register, pkg, deb, target, scratch) for pkg, deb in sorted(debs.items())]
        stanzas = [job.result() for job in jobs]
    (target / "var/lib/dpkg/status").write_text("\n".join(stanzas), encoding="utf-8")
    (target / "var/lib/dpkg/available").write_text("", encoding="utf-8")


def _arch_specific(rel: str) -> bool:
    return any(marker in part for part in rel.split("/") for marker in _ARCH_MARKERS)


def _is_elf(path: Path) -> bool:
    with path.open("rb") as src:
        return src.read(4) == b"\x7fELF"


def _skip(rel: str) -> bool:
    return _arch_specific(rel) or any(rel == p or rel.startswith(p + "/") for p in _NOT_FROM_TWIN)


def _copy_one(src: Path, dest: Path) -> None:
    st = src.lstat()
    if src.is_symlink():
        dest.symlink_to(src.readlink())
    elif src.is_dir():
        dest.mkdir()
        dest.chmod(st.st_mode & 0o7777)
    elif src.is_file() and not _is_elf(src):
        shutil.copy2(src, dest)
    else:
        return
    os.chown(dest, st.st_uid, st.st_gid, follow_symlinks=False)


def copy_missing_from_twin(twin: Path, target: Path) -> int:
    """Copy what exists in the native `twin` but not in `target` (no binaries, nothing arch-specific)."""
    copied = 0
    for dirpath, dirnames, filenames in os.walk(twin):
        rel_dir = Path(dirpath).relative_to(twin)
        keep: list[str] = []
        for name in sorted(dirnames) + sorted(filenames):
            rel = (rel_dir / name).as_posix()
            if _skip(rel):
                continue
            src, dest = twin / rel, target / rel
            if not os.path.lexists(dest):
                _copy_one(src, dest)
                copied += 1
            if name in dirnames and dest.is_dir() and not dest.is_symlink() and not src.is_symlink():
                keep.append(name)
        dirnames[:] = keep
    return copied


def finish(target: Path, twin: Path) -> None:
    """Turn a `debootstrap --foreign` first stage in `target` into a usable rootfs (see module doc)."""
    if not (target / "debootstrap/debpaths").exists():
        raise BootstrapError(f"{target} is not a debootstrap --foreign first stage", fix=_FIX)
    proc = target / "proc"
    if proc.is_symlink():  # the first stage's stand-in when it runs inside a container
        proc.unlink()
        proc.mkdir(mode=0o755)
    _install_natively(target)
    copy_missing_from_twin(twin, target)
    speedup = target / "etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    speedup.write_text("force-unsafe-io\n", encoding="utf-8")
    run(
        ["chroot", str(target), "/sbin/ldconfig"],
        fix="check the qemu-aarch64 binfmt handler (update-binfmts)",
    )
    shutil.rmtree(target / "debootstrap")
