"""`python -m shipyard.bootstrap` / `shipyard engine bootstrap`: the steps in order, errors as one line."""

from __future__ import annotations

import argparse
import sys

from shipyard.bootstrap.daemons import Started, ensure_binfmt, ensure_dockerd
from shipyard.bootstrap.packages import ensure_packages
from shipyard.bootstrap.preflight import preflight
from shipyard.bootstrap.registry import ensure_registries
from shipyard.bootstrap.report import Report
from shipyard.bootstrap.settings import AUTH_REGISTRY_PORT_ENV, REGISTRY_PORT_ENV, STATE_DIR_ENV, Settings
from shipyard.errors import BootstrapError

_DESCRIPTION = f"""Install and start a Docker Engine from Debian packages on Debian 12 (as root), with
two local registries and seeded base and tool images; idempotent. Environment: {REGISTRY_PORT_ENV}
(default 5000), {AUTH_REGISTRY_PORT_ENV} (default 5001), {STATE_DIR_ENV}
(default /var/lib/shipyard-engine)."""


def _steps(settings: Settings, started: Started, report: Report) -> None:
    from shipyard.bootstrap.base_images import seed_base_images  # noqa: PLC0415 - after preflight
    from shipyard.bootstrap.docker_images import (  # noqa: PLC0415 - as seed_tools
        DOCKER_AMD64,
        docker_images_present,
        seed_docker_images,
    )
    from shipyard.bootstrap.seed_tools import TOOL_ROOTFS, seed_tools  # noqa: PLC0415 - needs pydantic

    ensure_packages(report)
    ensure_binfmt(report)
    settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.state_dir.chmod(0o700)
    ensure_dockerd(settings, started, report)
    ensure_registries(settings, started, report)
    # every root filesystem that may be missing is made in one parallel phase
    docker_rootfs = () if docker_images_present(settings) else (DOCKER_AMD64,)
    seed_base_images(settings, report, extra=(*TOOL_ROOTFS, *docker_rootfs))
    seed_tools(settings, report)
    seed_docker_images(settings, report)


def main(argv: list[str] | None = None) -> int:
    """Run the bootstrap; print one error line and return its exit code on failure."""
    argparse.ArgumentParser(prog="shipyard engine bootstrap", description=_DESCRIPTION).parse_args(argv)
    started = Started()
    try:
        settings = Settings.from_env()
        preflight(settings)
        report = Report()
        try:
            _steps(settings, started, report)
        except BaseException:
            started.stop_all()
            raise
        report.summary()
    except BootstrapError as exc:
        sys.stderr.write(f"shipyard bootstrap: error: {exc.one_line()}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("shipyard bootstrap: error: interrupted (fix: re-run the bootstrap)\n")
        return 130
    return 0
