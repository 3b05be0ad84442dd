"""SHIPYARD_CACHE_NAMESPACE: what runs keep on an engine, apart per namespace (benchmarks, experiments)."""

from __future__ import annotations

import os


def namespace() -> str:
    """The namespace of this process's runs; '' for real runs."""
    return os.environ.get("SHIPYARD_CACHE_NAMESPACE", "")


def volume_name(cache: str) -> str:
    """The engine volume of a cache or an environment: the name, then `-<namespace>` when one is set."""
    return f"{cache}-{namespace()}" if namespace() else cache
