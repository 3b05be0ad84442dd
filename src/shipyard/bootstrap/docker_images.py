"""Stand-ins for `docker:27-cli` and `docker:27-dind`, from Debian trixie's docker.io.

They are the images the Dagger module's compose stage and test services run (shipyard_ci/compose.py
CLI_IMAGE, DIND_IMAGE), which no registry here serves. Debian has no Docker 27: both images run
trixie's 26.1.5 (the same packages as this machine's engine) and say so with STAND_IN_LABEL. One
root filesystem serves both (docker CLI, compose v2 plugin, dockerd, containerd, runc, iptables):
the CLI image runs `sh` by default like upstream's, the daemon image `dockerd`. Upstream's
`dockerd-entrypoint.sh` is not reproduced; the module passes its own `dockerd` arguments and no
entrypoint (compose.dockerd).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.bootstrap.images import RECIPE, RECIPE_LABEL, SEEDED, is_present, seed
from shipyard.bootstrap.oci import AMD64, Image, ImageConfig, PlatformImage, layer_from_dir
from shipyard.bootstrap.rootfs import SLIM_EXCLUDES, RootfsSpec, ensure_rootfs, rootfs_dir
from shipyard.bootstrap.seed_tools import STAND_IN_LABEL, upstream_version
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings

DOCKER_AMD64 = RootfsSpec(
    "docker-trixie-amd64",
    "amd64",
    ("docker.io", "docker-cli", "docker-compose", "ca-certificates"),
    suite="trixie",
)
"""dockerd, the CLI and the compose plugin; debootstrap adds containerd, runc, iptables and tini."""
CLI = "docker:27-cli"
DIND = "docker:27-dind"
_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def docker_version(rootfs: Path) -> str:
    """The upstream version of the docker.io package installed in `rootfs` (`26.1.5`)."""
    status = (rootfs / "var/lib/dpkg/status").read_text(encoding="utf-8")
    for stanza in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line)
        if fields.get("Package") == "docker.io":
            return upstream_version(fields["Version"])
    raise BootstrapError(
        f"{rootfs} has no docker.io package", fix="delete that rootfs and re-run the bootstrap"
    )


def _image(settings: Settings, name: str) -> Image:
    rootfs = rootfs_dir(settings, DOCKER_AMD64)
    layer = layer_from_dir(
        rootfs, settings.state_dir / "layers" / f"{DOCKER_AMD64.name}-slim.tar", SLIM_EXCLUDES
    )
    labels = {SEEDED: "true", RECIPE_LABEL: RECIPE, STAND_IN_LABEL: docker_version(rootfs)}
    if name == DIND:
        config = ImageConfig(
            env=(_PATH,), cmd=("dockerd",), labels=labels, exposed_ports=("2375/tcp", "2376/tcp")
        )
    else:
        config = ImageConfig(env=(_PATH,), cmd=("sh",), labels=labels)
    return Image(f"docker.io/library/{name}", (PlatformImage(AMD64, (layer,), config),))


def docker_images_present(settings: Settings) -> bool:
    """Whether both stand-ins are seeded, by the current recipe."""
    return all(is_present(settings, name, mirror=False) for name in (CLI, DIND))


def seed_docker_images(settings: Settings, report: Report) -> None:
    """Seed the two stand-ins when missing (linux/amd64 only; not pushed to the mirror)."""
    if not docker_images_present(settings):
        ensure_rootfs(settings, [DOCKER_AMD64], report)
    for name in (CLI, DIND):
        seed(settings, name, lambda n=name: _image(settings, n), report, mirror=False)
    version = docker_version(rootfs_dir(settings, DOCKER_AMD64))
    for name in (CLI, DIND):
        report.note(
            name, f"stand-in: runs Debian trixie's Docker {version}; labelled {STAND_IN_LABEL}={version}"
        )
    report.cannot(f"{CLI} and {DIND} linux/arm64", "seeded for linux/amd64 only")
