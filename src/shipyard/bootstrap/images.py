"""Seeding one image: skip when present, else load it into dockerd and, for Hub images, the mirror."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from shipyard.bootstrap.oci import docker_load
from shipyard.bootstrap.push import manifest_digest, push
from shipyard.bootstrap.run import run

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from shipyard.bootstrap.oci import Image
    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings

SEEDED = "dev.shipyard.seeded"
"""Label every seeded base image carries (`true`)."""
RECIPE_LABEL = "dev.shipyard.seed-recipe"
"""Label every seeded image (base and tool) carries: the RECIPE it was made with."""
RECIPE = "2"
"""Version of how seeded images are made; bump it whenever an image's contents or config change, so
every machine re-seeds on its next bootstrap run. 2: PIP_CERT + REQUESTS_CA_BUNDLE in python images,
gitleaks stand-in, arm64 rootfs finished on the host. (Images without the label are from before 2.)"""


def full_name(short: str) -> str:
    """`python:3.11-slim` -> `docker.io/library/python:3.11-slim`; names with a registry stay."""
    first = short.split("/", 1)[0]
    if "/" in short and ("." in first or ":" in first or first == "localhost"):
        return short
    return f"docker.io/{short}" if "/" in short else f"docker.io/library/{short}"


def hub_path(short: str) -> tuple[str, str] | None:
    """(repository path, tag) on Docker Hub, or None for images of other registries."""
    name = full_name(short)
    if not name.startswith("docker.io/"):
        return None
    repo, tag = name.removeprefix("docker.io/").rsplit(":", 1)
    return repo, tag


def _stamp(settings: Settings, short: str) -> Path:
    return settings.state_dir / "images" / (short.replace("/", "_").replace(":", "__") + ".id")


def local_id(short: str) -> str | None:
    """The id dockerd has for `short`, or None."""
    try:
        return run(["docker", "image", "inspect", "--format", "{{.Id}}", short]).strip()
    except Exception:  # noqa: BLE001 - any failure means: not there
        return None


def local_recipe(short: str) -> str | None:
    """The RECIPE_LABEL of the image dockerd has for `short` (None when missing or unlabelled)."""
    fmt = f'{{{{index .Config.Labels "{RECIPE_LABEL}"}}}}'
    try:
        value = run(["docker", "image", "inspect", "--format", fmt, short]).strip()
    except Exception:  # noqa: BLE001 - any failure means: not there
        return None
    return value if value and value != "<no value>" else None


def is_present(settings: Settings, short: str, *, mirror: bool, recipe: str = RECIPE) -> bool:
    """Whether the image this bootstrap seeded, by the current `recipe`, is in dockerd (and the mirror)."""
    stamp = _stamp(settings, short)
    if not stamp.exists():
        return False
    want = stamp.read_text(encoding="utf-8").strip()
    if local_id(short) != want or local_recipe(short) != recipe:
        return False
    hub = hub_path(short)
    return not (mirror and hub is not None and manifest_digest(settings.registry, *hub) != want)


def seed(
    settings: Settings,
    short: str,
    make: Callable[[], Image],
    report: Report,
    *,
    mirror: bool = True,
    recipe: str = RECIPE,
) -> None:
    """Seed `short` unless present: build it with `make`, `docker load` it, push Hub images to the mirror."""
    if is_present(settings, short, mirror=mirror, recipe=recipe):
        report.present(short)
        return
    with report.step(short, "seeded"):
        image = make()
        digest = docker_load(image)
        hub = hub_path(short)
        if mirror and hub is not None:
            push(image, settings.registry, *hub)
        stamp = _stamp(settings, short)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest + "\n", encoding="utf-8")
    platforms = ", ".join(p.platform.name for p in image.platforms)
    report.line(short, f"{platforms} ({digest[:19]})")


def side_by_side(jobs: list[Callable[[], None]]) -> None:
    """Run seeding `jobs` a few at a time (tar, hash, `docker load`, push: each about one core busy).

    Every job runs to its end; the first error raised is raised again once all are done.
    """
    workers = min(4, max(2, os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed") as pool:
        futures = [pool.submit(job) for job in jobs]
    for future in futures:
        future.result()
