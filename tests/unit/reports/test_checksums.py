from __future__ import annotations

import hashlib
import subprocess
from typing import TYPE_CHECKING

import pytest

from shipyard.errors import ReportError
from shipyard.reports.checksums import (
    CHECKSUMS_NAME,
    checksums_text,
    parse_checksums,
    verify_checksums,
    write_checksums,
)

if TYPE_CHECKING:
    from pathlib import Path


CONTENTS = {
    "sbom/image.cdx.json": b'{"bomFormat": "CycloneDX"}\n',
    "report.sarif": b"{}\n",
    "b c.txt": b"space in name\n",
}


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    for name, content in CONTENTS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    (tmp_path / "link").symlink_to(tmp_path / "report.sarif")  # symlinks are not artifacts
    return tmp_path


def test_format_is_sha256sum_sorted_relative(artifacts: Path) -> None:
    assert checksums_text(artifacts).splitlines() == [
        f"{hashlib.sha256(CONTENTS[name]).hexdigest()}  {name}"
        for name in ("b c.txt", "report.sarif", "sbom/image.cdx.json")
    ]


def test_round_trip_and_sha256sum_agrees(artifacts: Path) -> None:
    written = write_checksums(artifacts)
    assert written.name == CHECKSUMS_NAME
    assert verify_checksums(artifacts).ok
    assert checksums_text(artifacts) == written.read_text()  # the checksums file never lists itself
    checked = subprocess.run(
        ["sha256sum", "--check", "--strict", CHECKSUMS_NAME],
        cwd=artifacts,
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_stable(artifacts: Path) -> None:
    assert checksums_text(artifacts) == checksums_text(artifacts)


def test_verify_reports_changed_missing_and_added(artifacts: Path) -> None:
    write_checksums(artifacts)
    (artifacts / "report.sarif").write_bytes(b"tampered")
    (artifacts / "b c.txt").unlink()
    (artifacts / "extra.tar").write_bytes(b"new")
    result = verify_checksums(artifacts)
    assert not result.ok
    assert (result.mismatched, result.missing, result.unlisted) == (
        ("report.sarif",),
        ("b c.txt",),
        ("extra.tar",),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not a checksum line\n", "line 1 is not a sha256sum line"),
        (f"{'a' * 64}  x\n{'b' * 64}  x\n", "lists x twice"),
        (f"{'A' * 64}  x\n", "line 1 is not a sha256sum line"),
    ],
)
def test_parse_rejects_bad_lines(text: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_checksums(text, source="SUMS")


def test_parse_accepts_binary_mode_marker() -> None:
    assert parse_checksums(f"{'a' * 64} *img.tar\n", source="SUMS") == {"img.tar": "a" * 64}


def test_verify_without_checksums_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="does not exist"):
        verify_checksums(tmp_path)


def test_include_limits_the_listing_to_those_top_level_entries(artifacts: Path) -> None:
    (artifacts / "old-stage").mkdir()
    (artifacts / "old-stage" / "report.json").write_bytes(b"from an earlier run\n")
    include = ("sbom", "report.sarif", "not-written")  # an absent entry is no error
    assert [line.split("  ")[1] for line in checksums_text(artifacts, include=include).splitlines()] == [
        "report.sarif",
        "sbom/image.cdx.json",
    ]
    write_checksums(artifacts, include=include)
    assert verify_checksums(artifacts, include=include).ok
    assert verify_checksums(artifacts).unlisted == ("b c.txt", "old-stage/report.json")
    (artifacts / "sbom" / "added.json").write_bytes(b"{}")
    assert verify_checksums(artifacts, include=include).unlisted == ("sbom/added.json",)


def test_include_never_follows_a_symlinked_entry(artifacts: Path) -> None:
    (artifacts / "linked-dir").symlink_to(artifacts / "sbom")
    assert checksums_text(artifacts, include=("link", "linked-dir")) == ""
