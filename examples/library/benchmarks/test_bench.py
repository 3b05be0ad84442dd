"""Benchmarks of the hot paths: parsing a version and sorting a list of them (pytest-benchmark)."""

from __future__ import annotations

from semverlite import Version

VERSIONS = [
    f"{major}.{minor}.{patch}-rc.{patch}"
    for major in range(3)
    for minor in range(5)
    for patch in range(4)
]


def test_parse(benchmark):
    version = benchmark(Version.parse, "1.24.3-rc.1+build.5")
    assert version.minor == 24


def test_sort(benchmark):
    parsed = [Version.parse(text) for text in VERSIONS]
    ordered = benchmark(sorted, parsed)
    assert ordered[0] == Version.parse("0.0.0-rc.0")
