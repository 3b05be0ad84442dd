"""The base images users pull, made without a registry: debian, python (slim), postgres."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.bootstrap import postgres, python_dist
from shipyard.bootstrap.images import RECIPE, RECIPE_LABEL, SEEDED, is_present, seed, side_by_side
from shipyard.bootstrap.oci import AMD64, ARM64, Image, ImageConfig, PlatformImage, layer_from_dir
from shipyard.bootstrap.rootfs import (
    BOOKWORM_AMD64,
    BOOKWORM_ARM64,
    FORKY_PYTHON_MINORS,
    POSTGRES_AMD64,
    PYTHON_AMD64,
    PYTHON_ARM64,
    SLIM_EXCLUDES,
    RootfsSpec,
    ensure_rootfs,
    forky_python,
    rootfs_dir,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from shipyard.bootstrap.oci import Blob
    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings

PYENV_MINORS = ("3.10", "3.11", "3.12", "3.13")
"""Pythons seeded from this machine's pyenv builds on bookworm (linux/amd64)."""
PYTHON_MINORS = (*PYENV_MINORS, *FORKY_PYTHON_MINORS)
"""Every python:<minor>-slim the bootstrap seeds; FORKY_PYTHON_MINORS for both platforms."""
ARM64_PYTHON = "3.11"
"""The one python minor Debian bookworm can provide for linux/arm64."""
ARM64_PYTHONS = (ARM64_PYTHON, *FORKY_PYTHON_MINORS)
"""The python images seeded for linux/arm64 too."""
_LABELS = {SEEDED: "true", RECIPE_LABEL: RECIPE}
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
"""The system CA bundle (Debian's CAs + this machine's, e.g. a TLS-intercepting proxy's)."""
CA_ENV = (f"SSL_CERT_FILE={CA_BUNDLE}", f"PIP_CERT={CA_BUNDLE}", f"REQUESTS_CA_BUNDLE={CA_BUNDLE}")
"""Trust the system bundle: OpenSSL/uv (SSL_CERT_FILE), pip < 24.2 (PIP_CERT; it uses certifi
otherwise, also inside every venv it makes) and requests (REQUESTS_CA_BUNDLE)."""
_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _layer(settings: Settings, spec: RootfsSpec, *, slim: bool) -> Blob:
    name = f"{spec.name}{'-slim' if slim else ''}.tar"
    excludes = SLIM_EXCLUDES if slim else ()
    return layer_from_dir(rootfs_dir(settings, spec), settings.state_dir / "layers" / name, excludes)


def _debian(settings: Settings, tag: str) -> Image:
    slim = tag.endswith("-slim")
    config = ImageConfig(env=(_PATH, "LANG=C.UTF-8"), cmd=("bash",), labels=_LABELS)
    platforms = tuple(
        PlatformImage(platform, (_layer(settings, spec, slim=slim),), config)
        for platform, spec in ((AMD64, BOOKWORM_AMD64), (ARM64, BOOKWORM_ARM64))
    )
    return Image(f"docker.io/library/debian:{tag}", platforms)


def _python_amd64(settings: Settings, src: Path) -> PlatformImage:
    # the shared base layer first: stage_pyenv hard-links the base rootfs (its ld.so.cache), which
    # changes every file's ctime, and a tar of it running beside that (another version's job) fails
    # with "file changed as we read it". Every job waits here until the one tar of the base is done.
    base_layer = _layer(settings, PYTHON_AMD64, slim=True)
    stage = settings.state_dir / "stage" / f"python-{src.name}"
    python_dist.stage_pyenv(src, rootfs_dir(settings, PYTHON_AMD64), stage)
    top = layer_from_dir(stage, settings.state_dir / "layers" / f"python-{src.name}.tar")
    return PlatformImage(AMD64, (base_layer, top), _python_config(src.name))


def _python_arm64(settings: Settings) -> PlatformImage:
    rootfs = rootfs_dir(settings, PYTHON_ARM64)
    version = python_dist.debianize_arm64(rootfs)
    return PlatformImage(ARM64, (_layer(settings, PYTHON_ARM64, slim=True),), _python_config(version))


def _python_config(version: str) -> ImageConfig:
    env = (
        _PATH,
        "LANG=C.UTF-8",
        f"PYTHON_VERSION={version}",
        *CA_ENV,
    )
    return ImageConfig(env=env, cmd=("python3",), labels=_LABELS)


def _postgres(settings: Settings) -> Image:
    rootfs = rootfs_dir(settings, POSTGRES_AMD64)
    postgres.prepare(rootfs)
    env = (
        f"PATH={postgres.PG_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG=C.UTF-8",
        "PGDATA=/var/lib/postgresql/data",
    )
    config = ImageConfig(
        env=env,
        entrypoint=("docker-entrypoint.sh",),
        cmd=("postgres",),
        labels=_LABELS,
        exposed_ports=("5432/tcp",),
        stop_signal="SIGINT",
    )
    return Image(
        "docker.io/library/postgres:15-bookworm",
        (PlatformImage(AMD64, (_layer(settings, POSTGRES_AMD64, slim=True),), config),),
    )


def _wanted(report: Report) -> dict[str, list[RootfsSpec]]:
    """Image name -> the rootfs it needs; reports python versions this machine lacks."""
    wanted: dict[str, list[RootfsSpec]] = {
        "debian:bookworm": [BOOKWORM_AMD64, BOOKWORM_ARM64],
        "debian:bookworm-slim": [BOOKWORM_AMD64, BOOKWORM_ARM64],
    }
    for minor in FORKY_PYTHON_MINORS:
        wanted[f"python:{minor}-slim"] = list(forky_python(minor))
    for minor in PYENV_MINORS:
        if python_dist.find_pyenv(minor) is None:
            report.cannot(
                f"python:{minor}-slim", f"no pyenv build of {minor} under {python_dist.pyenv_root()}"
            )
            continue
        specs = [PYTHON_AMD64, PYTHON_ARM64] if minor == ARM64_PYTHON else [PYTHON_AMD64]
        wanted[f"python:{minor}-slim"] = specs
    wanted["postgres:15-bookworm"] = [POSTGRES_AMD64]
    return wanted


def _report_unavailable_platforms(report: Report) -> None:
    for minor in PYTHON_MINORS:
        if minor not in ARM64_PYTHONS:
            report.cannot(
                f"python:{minor}-slim linux/arm64",
                f"Debian bookworm has no arm64 python{minor} and no arm64 build of it exists here",
            )
    report.cannot("postgres:15-bookworm linux/arm64", "seeded for linux/amd64 only")


def seed_base_images(settings: Settings, report: Report, extra: tuple[RootfsSpec, ...] = ()) -> None:
    """Seed every missing base image; debootstrap what they need plus `extra` (all in parallel)."""
    wanted = _wanted(report)
    missing = {name: specs for name, specs in wanted.items() if not is_present(settings, name, mirror=True)}
    needed = list(dict.fromkeys([*(spec for specs in missing.values() for spec in specs), *extra]))
    if missing:
        ensure_rootfs(settings, needed, report)
    makers: dict[str, Callable[[], Image]] = {}
    for name in wanted:
        if name.startswith("debian:"):
            tag = name.split(":", 1)[1]
            makers[name] = lambda tag=tag: _debian(settings, tag)
        elif name.startswith("python:"):
            makers[name] = lambda name=name: _python(settings, name)
        else:
            makers[name] = lambda: _postgres(settings)
    side_by_side([lambda n=name, m=make: seed(settings, n, m, report) for name, make in makers.items()])
    _report_unavailable_platforms(report)


def _python(settings: Settings, name: str) -> Image:
    minor = name.split(":", 1)[1].removesuffix("-slim")
    if minor in FORKY_PYTHON_MINORS:
        return Image(f"docker.io/library/{name}", _python_forky(settings, minor))
    src = python_dist.find_pyenv(minor)
    assert src is not None  # noqa: S101 - _wanted lists only minors with a build
    platforms: list[PlatformImage] = [_python_amd64(settings, src)]
    if minor == ARM64_PYTHON:
        platforms.append(_python_arm64(settings))
    return Image(f"docker.io/library/{name}", tuple(platforms))


def _python_forky(settings: Settings, minor: str) -> tuple[PlatformImage, ...]:
    """Debian forky's python`minor` dressed as the official image, amd64 first (arm64 takes its pip)."""
    specs = forky_python(minor)
    amd64 = rootfs_dir(settings, specs[0])
    platforms: list[PlatformImage] = []
    for platform, spec in zip((AMD64, ARM64), specs, strict=True):
        version = python_dist.debianize_forky(rootfs_dir(settings, spec), minor, pip_from=amd64)
        layers = (_layer(settings, spec, slim=True),)
        platforms.append(PlatformImage(platform, layers, _python_config(version)))
    return tuple(platforms)
