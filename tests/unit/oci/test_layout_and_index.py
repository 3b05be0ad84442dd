"""The tarball reader on real `docker save` output, and the index built from what it finds."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from shipyard.errors import PublishError
from shipyard.oci.index import IndexEntry, Platform, digest_of, image_index, index_platforms
from shipyard.oci.layout import ImageArchive
from shipyard.oci.media import OCI_INDEX, OCI_MANIFEST

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_platform_manifest_is_found_inside_the_wrapping_index_and_attestations_are_skipped(
    arch: str,
) -> None:
    with ImageArchive(FIXTURES / f"tiny-{arch}.tar") as archive:
        image = archive.image(Platform.parse(f"linux/{arch}"))
        assert image.platform.os == "linux"
        assert image.platform.architecture == arch
        assert image.media_type == OCI_MANIFEST
        assert digest_of(image.manifest) == image.digest
        manifest = json.loads(image.manifest)
        assert manifest["config"]["digest"] == image.config.digest
        assert [layer.digest for layer in image.layers] == [x["digest"] for x in manifest["layers"]]
        # every blob the manifest names is in the tarball with the size it claims
        for blob in image.blobs:
            with archive.open(blob.digest) as handle:
                assert len(handle.read()) == blob.size
        # the only image is picked without naming a platform: the attestation manifest is no image
        assert archive.image().digest == image.digest


def test_asking_for_a_platform_the_tarball_does_not_hold_names_what_it_holds() -> None:
    with (
        ImageArchive(FIXTURES / "tiny-amd64.tar") as archive,
        pytest.raises(PublishError, match=r"0 image\(s\) for linux/arm64; it holds: linux/amd64"),
    ):
        archive.image(Platform.parse("linux/arm64"))


def _tar(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "image.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_tarball_without_an_oci_layout_is_refused_with_the_fix(tmp_path: Path) -> None:
    legacy = _tar(tmp_path, {"manifest.json": b"[]", "repositories": b"{}"})
    with ImageArchive(legacy) as archive, pytest.raises(PublishError, match="not an OCI image layout"):
        archive.image()


def test_a_blob_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    fake = "sha256:" + "a" * 64
    index = {"schemaVersion": 2, "manifests": [{"mediaType": OCI_MANIFEST, "digest": fake, "size": 2}]}
    broken = _tar(tmp_path, {"index.json": json.dumps(index).encode(), f"blobs/sha256/{'a' * 64}": b"{}"})
    with ImageArchive(broken) as archive, pytest.raises(PublishError, match="does not match its digest"):
        archive.image()


def test_a_missing_tarball_is_a_publish_error(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="cannot read image tarball"):
        ImageArchive(tmp_path / "nope.tar")


def _entries() -> list[IndexEntry]:
    entries: list[IndexEntry] = []
    for arch in ("amd64", "arm64"):
        with ImageArchive(FIXTURES / f"tiny-{arch}.tar") as archive:
            entries.append(archive.image(Platform.parse(f"linux/{arch}")).entry())
    return entries


def test_the_index_lists_each_platform_manifest_with_its_platform_and_is_canonical() -> None:
    entries = _entries()
    index = image_index(entries)
    document = json.loads(index)
    assert document["mediaType"] == OCI_INDEX
    assert document["schemaVersion"] == 2
    assert [m["digest"] for m in document["manifests"]] == [e.digest for e in entries]
    assert [m["size"] for m in document["manifests"]] == [e.size for e in entries]
    assert [m["platform"]["architecture"] for m in document["manifests"]] == ["amd64", "arm64"]
    assert index_platforms(index)[0] == "linux/amd64"
    assert index_platforms(index)[1].startswith("linux/arm64")
    assert digest_of(image_index(_entries())) == digest_of(index)  # same input, same digest


def test_an_index_refuses_two_images_of_one_platform_and_an_empty_list() -> None:
    entry = _entries()[0]
    with pytest.raises(PublishError, match="two images for linux/amd64"):
        image_index([entry, entry])
    with pytest.raises(PublishError, match="at least one platform"):
        image_index([])


@pytest.mark.parametrize(
    ("text", "other", "matches"),
    [
        ("linux/amd64", "linux/amd64", True),
        ("linux/arm64", "linux/arm64/v8", True),
        ("linux/arm/v7", "linux/arm/v6", False),
        ("linux/amd64", "linux/arm64", False),
    ],
)
def test_platforms_match_on_os_and_architecture_and_on_variant_when_both_name_one(
    text: str, other: str, *, matches: bool
) -> None:
    assert Platform.parse(text).matches(Platform.parse(other)) is matches


def test_a_platform_variant_is_part_of_the_index_entry_only_when_known() -> None:
    assert Platform.parse("linux/arm64/v8").to_json() == {
        "architecture": "arm64",
        "os": "linux",
        "variant": "v8",
    }
    assert Platform.parse("linux/amd64").to_json() == {"architecture": "amd64", "os": "linux"}
    with pytest.raises(PublishError, match="not a platform"):
        Platform.parse("amd64")
