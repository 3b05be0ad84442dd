"""Debian root filesystems made with debootstrap (no registry), trimmed like docker bases.

Bookworm for the debian, postgres and pyenv-python images; forky (testing) for the Pythons bookworm
lacks (3.14, 3.15), on amd64 and arm64 alike.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.bootstrap import foreign
from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings

PY_RUNTIME_LIBS = (
    "ca-certificates",
    "libssl3",
    "libffi8",
    "libsqlite3-0",
    "libbz2-1.0",
    "liblzma5",
    "zlib1g",
    "libreadline8",
    "libncursesw6",
    "libuuid1",
    "libgdbm6",
    "libexpat1",
    "tzdata",
)
"""What the official python:*-slim images install from Debian for the interpreter."""

SLIM_EXCLUDES = (
    "./usr/share/doc/*",
    "./usr/share/man/*",
    "./usr/share/info/*",
    "./usr/share/locale/*",
    "./usr/share/lintian/*",
)
"""Paths a `-slim` image leaves out (tar --exclude patterns)."""

HOST_CAS = Path("/usr/local/share/ca-certificates")
SPEEDUP = Path("etc/dpkg/dpkg.cfg.d/docker-apt-speedup")
"""The official debian images' dpkg setting (`force-unsafe-io`): no fsync per file in image builds."""
DEBOOTSTRAP_SCRIPTS = Path("/usr/share/debootstrap/scripts")
SCRIPT_OF = {"forky": "sid"}
"""Suites newer than the host's debootstrap knows, and the script that makes them (testing = sid's)."""


def _sources(suite: str) -> str:
    return (
        f"deb http://deb.debian.org/debian {suite} main\n"
        f"deb http://deb.debian.org/debian {suite}-updates main\n"
        f"deb http://deb.debian.org/debian-security {suite}-security main\n"
    )


@dataclass(frozen=True)
class RootfsSpec:
    """One debootstrap: a name, an architecture and extra packages."""

    name: str
    arch: str
    include: tuple[str, ...] = ()
    twin: RootfsSpec | None = None
    """For a foreign arch: the native rootfs of the same packages it is finished from (see foreign)."""
    suite: str = "bookworm"
    """The Debian suite it is made from."""


BOOKWORM_AMD64 = RootfsSpec("bookworm-amd64", "amd64")
BOOKWORM_ARM64 = RootfsSpec("bookworm-arm64", "arm64", twin=BOOKWORM_AMD64)
PYTHON_AMD64 = RootfsSpec("python-amd64", "amd64", PY_RUNTIME_LIBS)
PYTHON_ARM64 = RootfsSpec(
    "python-arm64", "arm64", (*PY_RUNTIME_LIBS, "python3.11", "python3-pip"), twin=PYTHON_AMD64
)
POSTGRES_AMD64 = RootfsSpec("postgres-amd64", "amd64", ("postgresql-15", "ca-certificates", "tzdata"))
GIT_AMD64 = RootfsSpec("git-amd64", "amd64", ("git", "openssh-client", "ca-certificates"))
FORKY = "forky"
FORKY_PYTHON_MINORS = ("3.14", "3.15")
"""Pythons bookworm lacks, from Debian forky (testing) for amd64 and arm64."""


def forky_python(minor: str) -> tuple[RootfsSpec, RootfsSpec]:
    """The amd64 rootfs and its arm64 sibling for Debian forky's python`minor` (with venv)."""
    include = (f"python{minor}", f"python{minor}-venv", "ca-certificates", "tzdata")
    amd64 = RootfsSpec(f"python{minor}-forky-amd64", "amd64", include, suite=FORKY)
    return amd64, RootfsSpec(f"python{minor}-forky-arm64", "arm64", include, twin=amd64, suite=FORKY)


def rootfs_dir(settings: Settings, spec: RootfsSpec) -> Path:
    """Where the rootfs of `spec` lives."""
    return settings.state_dir / "rootfs" / spec.name


def _ready_stamp(path: Path) -> Path:
    return path.with_name(path.name + ".ready")


DOWNLOAD_FAILED = "Couldn't download"
"""What debootstrap prints when a package or a release file could not be fetched (functions: `download_*`)."""

DOWNLOAD_RETRY_PAUSES = (5.0, 20.0)
"""Seconds before each new try of a first stage that failed on a download (two more tries)."""


def _debootstrap(settings: Settings, spec: RootfsSpec, target: Path, report: Report) -> None:
    """The first stage (`--foreign`: resolve, download and unpack the required packages).

    Each rootfs has a .deb cache of its own (`debootstrap-cache/<name>`): the debootstraps run side
    by side, and a cache shared between them would have two of them write one `arch:all` .deb at
    once. A re-run after a failure downloads nothing it already has: a download the mirror dropped
    is tried again here, twice, before the bootstrap gives up.
    """
    cache = settings.state_dir / "debootstrap-cache" / spec.name
    cache.mkdir(parents=True, exist_ok=True)
    argv = ["debootstrap", f"--arch={spec.arch}", "--variant=minbase", f"--cache-dir={cache}"]
    if spec.include:
        argv.append("--include=" + ",".join(spec.include))
    argv.append("--foreign")
    script = [str(DEBOOTSTRAP_SCRIPTS / SCRIPT_OF[spec.suite])] if spec.suite in SCRIPT_OF else []
    full = [*argv, spec.suite, str(target), settings.debian_mirror, *script]
    for pause in (*DOWNLOAD_RETRY_PAUSES, None):
        try:
            run(full, timeout=1200)
        except BootstrapError as exc:  # noqa: PERF203 - one try per download attempt, three at most
            if pause is None or DOWNLOAD_FAILED not in exc.message:
                raise
            # a mirror's dropped connection: the packages downloaded so far stay in the cache
            report.line(f"rootfs {spec.name}", f"a download failed, trying again in {pause:.0f} s")
            time.sleep(pause)
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
        else:
            return


def _second_stage_natively(target: Path) -> None:
    """Run debootstrap's second stage in the chroot, dpkg with `force-unsafe-io` like the docker images."""
    speedup = target / SPEEDUP
    speedup.parent.mkdir(parents=True, exist_ok=True)
    speedup.write_text("force-unsafe-io\n", encoding="utf-8")
    run(["chroot", str(target), "/debootstrap/debootstrap", "--second-stage"], timeout=1200)


def trim(root: Path, suite: str = "bookworm", *, refresh_cas: bool = True) -> None:
    """Make a fresh rootfs look like a docker base: no apt lists or caches, host CAs baked in."""
    for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*", "tmp/*"):
        for path in root.glob(pattern):
            if path.is_file() or path.is_symlink():
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
    for path in (*root.glob("var/log/*.log"), root / "etc/hostname", root / "etc/resolv.conf"):
        path.unlink(missing_ok=True)
    shutil.rmtree(root / "debootstrap", ignore_errors=True)
    (root / "etc/apt/sources.list").write_text(_sources(suite), encoding="utf-8")
    (root / "etc/apt/apt.conf.d/90docker-norecommends").write_text('APT::Install-Recommends "false";\n')
    (root / "etc/machine-id").write_text("", encoding="utf-8")
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n", encoding="utf-8")
    policy.chmod(0o755)
    cas = sorted(HOST_CAS.glob("*.crt"))
    if cas:
        dest = root / "usr/local/share/ca-certificates"
        dest.mkdir(parents=True, exist_ok=True)
        for ca in cas:
            shutil.copy2(ca, dest / ca.name)
        if refresh_cas and (root / "usr/sbin/update-ca-certificates").exists():
            run(["chroot", str(root), "update-ca-certificates"])


def _build(settings: Settings, spec: RootfsSpec, report: Report, twin: Future[Path] | None) -> Path:
    """Make `spec`: natively in two stages, or (foreign arch) first stage + host-side finish."""
    target = rootfs_dir(settings, spec)
    with report.step(f"rootfs {spec.name}", "debootstrapped" if spec.twin is None else "made (no emulation)"):
        shutil.rmtree(target, ignore_errors=True)
        _ready_stamp(target).unlink(missing_ok=True)
        target.mkdir(parents=True)
        _debootstrap(settings, spec, target, report)
        if spec.twin is None:
            _second_stage_natively(target)
            trim(target, spec.suite)
        else:
            assert twin is not None  # noqa: S101 - ensure_rootfs passes the twin of every foreign spec
            foreign.finish(target, twin.result())
            trim(target, spec.suite, refresh_cas=False)
        _ready_stamp(target).touch()
    return target


def _ready_future(path: Path) -> Future[Path]:
    done: Future[Path] = Future()
    done.set_result(path)
    return done


def ensure_rootfs(settings: Settings, specs: list[RootfsSpec], report: Report) -> None:
    """Make every missing rootfs, all debootstraps in parallel.

    A foreign-arch rootfs is finished from its native twin, so a missing twin is made too and the
    foreign one waits for it after its own first stage.
    """
    missing = [spec for spec in specs if not _ready_stamp(rootfs_dir(settings, spec)).exists()]
    for spec in specs:
        if spec not in missing:
            report.present(f"rootfs {spec.name}")
    twins = [
        s.twin
        for s in missing
        if s.twin is not None and not _ready_stamp(rootfs_dir(settings, s.twin)).exists()
    ]
    missing = list(dict.fromkeys([*twins, *missing]))
    if not missing:
        return
    natives = [spec for spec in missing if spec.twin is None]
    with ThreadPoolExecutor(max_workers=len(missing)) as pool:
        futures = {spec.name: pool.submit(_build, settings, spec, report, None) for spec in natives}
        for spec in missing:
            if spec.twin is not None:
                twin = futures.get(spec.twin.name) or _ready_future(rootfs_dir(settings, spec.twin))
                futures[spec.name] = pool.submit(_build, settings, spec, report, twin)
        for future in futures.values():
            future.result()
