"""Tags: what they point at before a publish, the immutable-tag rule, and all-or-nothing moves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.errors import PublishError, ShipyardError
from shipyard.oci.media import OCI_INDEX

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from shipyard.oci.registry import Manifest, RegistryClient


def preflight_tags(
    client: RegistryClient, tags: tuple[str, ...], immutable: tuple[str, ...], digest: str
) -> dict[str, Manifest | None]:
    """What each tag points at now; refuse to move an immutable one (re-publishing the same image is fine)."""
    previous = {tag: client.get_manifest(tag) for tag in tags}
    for tag in immutable:
        found = previous.get(tag)
        if found is not None and found.digest != digest:
            raise PublishError(
                f"tag {tag} already exists in {client.repository} as {found.digest[:19]} and is immutable",
                fix="publish a new commit or version ([tool.shipyard.publish] immutable names the rules)",
            )
    return previous


def move_tags(
    client: RegistryClient,
    tags: tuple[str, ...],
    index: bytes,
    previous: Mapping[str, Manifest | None],
    log: Callable[[str], None],
) -> None:
    """Point every tag at `index`; when one cannot be written, put the moved ones back and raise."""
    moved: list[str] = []
    try:
        for tag in tags:
            client.put_manifest(tag, index, OCI_INDEX)
            moved.append(tag)
            log(f"tagged {client.repository}:{tag}")
    except PublishError as exc:
        left = roll_back(client, moved, previous, log)
        note = (
            f"; left pointing at the new image (the registry does not delete tags): {', '.join(left)}"
            if left
            else ""
        )
        raise PublishError(
            f"{exc.message}; the tags moved so far were put back{note}",
            fix=exc.fix,
        ) from exc


def roll_back(
    client: RegistryClient,
    moved: list[str],
    previous: Mapping[str, Manifest | None],
    log: Callable[[str], None],
) -> list[str]:
    """Point every moved tag back at its previous manifest; the tags that could not be undone."""
    left: list[str] = []
    for tag in moved:
        before = previous.get(tag)
        try:
            if before is not None:
                client.put_manifest(tag, before.data, before.media_type)
                log(f"rolled back {tag} to {before.digest}")
            elif client.delete_manifest(tag):
                log(f"rolled back {tag}: deleted (it did not exist before)")
            else:
                left.append(tag)
        except ShipyardError as exc:
            log(f"could not roll back {tag}: {exc.one_line()}")
            left.append(tag)
    return left
