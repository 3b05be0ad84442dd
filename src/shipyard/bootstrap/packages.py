"""Debian packages: bookworm's, plus a few exact ones from trixie (pinned at priority 1)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from shipyard.bootstrap.report import Report

BOOKWORM_PACKAGES = (
    "containerd",
    "runc",
    "iptables",
    "debootstrap",
    "docker-registry",
    "qemu-user-static",
    "binfmt-support",
    "apache2-utils",
)
"""From bookworm, any version."""

TRIXIE_ENGINE = {"docker.io": "26.", "docker-cli": "26.", "docker-buildx": "0.", "docker-compose": "2."}
"""From trixie: package -> required version prefix (dockerd 26, compose v2)."""

TRIXIE_TOOLS = ("gitleaks", "cosign")
"""From trixie too; their binaries also seed the gitleaks and cosign tool images."""

TRIXIE_SOURCE = Path("/etc/apt/sources.list.d/shipyard-trixie.sources")
TRIXIE_PIN = Path("/etc/apt/preferences.d/shipyard-trixie")
_APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}
_FIX = "check that deb.debian.org is reachable (apt-get update), then re-run the bootstrap"


def installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """Package -> installed version, for those of `names` that are fully installed."""
    out = run(
        ["dpkg-query", "-W", "-f=${Package} ${Version} ${db:Status-Abbrev}\\n", *names],
        fix=_FIX,
        ok_codes=(0, 1),
    )
    versions: dict[str, str] = {}
    for row in out.splitlines():
        parts = row.split()
        if len(parts) >= 3 and parts[2] == "ii":  # noqa: PLR2004 - package, version, status
            versions[parts[0]] = parts[1]
    return versions


def _all_installed(versions: dict[str, str]) -> bool:
    engine_ok = all(versions.get(pkg, "").startswith(prefix) for pkg, prefix in TRIXIE_ENGINE.items())
    return engine_ok and all(pkg in versions for pkg in (*BOOKWORM_PACKAGES, *TRIXIE_TOOLS))


def _add_trixie_source() -> None:
    """Add trixie as an extra source, pinned at 1: used only for packages asked for by exact version."""
    TRIXIE_SOURCE.write_text(
        "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
        encoding="utf-8",
    )
    TRIXIE_PIN.write_text("Package: *\nPin: release n=trixie\nPin-Priority: 1\n", encoding="utf-8")


def trixie_version(package: str, prefix: str = "") -> str:
    """The version trixie offers for `package` (starting with `prefix`), from `apt-cache madison`."""
    for row in run(["apt-cache", "madison", package], fix=_FIX).splitlines():
        cols = [col.strip() for col in row.split("|")]
        if len(cols) >= 3 and " trixie/" in f" {cols[2]}" and cols[1].startswith(prefix):  # noqa: PLR2004
            return cols[1]
    raise BootstrapError(
        f"Debian trixie offers no {package} {prefix}*", fix="check the trixie source in " + str(TRIXIE_SOURCE)
    )


def _apt_install(specs: list[str]) -> None:
    run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", "--allow-downgrades", *specs],
        env=_APT_ENV,
        fix=_FIX,
    )


def ensure_packages(report: Report) -> None:
    """Install every package the engine needs; skip apt entirely when all are installed."""
    everything = (*BOOKWORM_PACKAGES, *TRIXIE_ENGINE, *TRIXIE_TOOLS)
    if _all_installed(installed_versions(everything)):
        report.present("packages")
        return
    with report.step("packages", "installed"):
        if not TRIXIE_SOURCE.exists() or not TRIXIE_PIN.exists():
            _add_trixie_source()
        run(["apt-get", "update", "-q"], env=_APT_ENV, fix=_FIX)
        trixie = [f"{pkg}={trixie_version(pkg, prefix)}" for pkg, prefix in TRIXIE_ENGINE.items()]
        _apt_install([*BOOKWORM_PACKAGES, *trixie])
        for tool in TRIXIE_TOOLS:
            _apt_install([f"{tool}={trixie_version(tool)}"])
