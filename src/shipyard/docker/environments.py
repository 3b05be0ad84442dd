"""Prepared environments on the Docker Engine: what a setup wrote, kept in a volume by the core's key.

What is kept: the directories the setup writes (spec.Environment.writes: the venv, coverage
beside it), as one tar file in a volume once every setup command exited 0, and, once the leg's
other commands ran, a second tar of the bytecode they wrote (spec.Environment.bytecode) for those
very files — what a test run imports, so reusing legs load it instead of compiling it. A leg whose
key is kept mounts that volume read-only and extracts both into its own container before its
first command (the project install and the tests change that copy, never the kept one). Never
the source, never a secret (a step with secrets has no environment: spec.ContainerStep refuses
it); caches and tools are volumes of their own.

Why a volume and not a committed image: `docker commit` on the containerd image store
compresses the layer and unpacks it again, all on the preparing leg's path — 6-8 s per leg for
webapp's 30 MB venv with four legs at once on a 2-core host, a third of a cold run. Why a tar
and not a copy of the tree: on the engine's ext4 disk it is creating files that costs, not
bytes (a venv's 1,500 files: 0.4-0.5 s; one 30 MB file: 0.05 s). Extracting it back into a
leg's in-memory directories (leg_memory) takes about 0.1 s.

Never half-written: the copy goes into a fresh data volume (`shipyard-env-<key>-<nonce>`),
mounted in the preparing leg's container from its start; only after the copy returned and the
leg's commands ran is the mark made — an empty volume `shipyard-env-<key>` labelled with the
data volume's name and creation time. `find` trusts a mark only while that very data volume
exists, so a setup or a leg cut short (a killed run) leaves nothing that is reused; its data
volume, marked by no one, is removed when its container is, or by the next prune.

Bound: the kept directories' size (recorded at the copy) stays under SHIPYARD_ENV_MAX (default
8 GiB), checked each time one is kept. Eviction: environments whose base image is gone first
(they can never be used again), then the oldest prepared. `shipyard cache prune` applies the
same rule; `--all` removes every one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import docker.errors
import requests.exceptions

from shipyard.docker.namespace import namespace, volume_name
from shipyard.plan.cache_bound import max_bytes

REPOSITORY = "shipyard-env"
KEY_LABEL = "dev.shipyard.environment"
"""The environment key (stages.environment) a volume was prepared for."""
BASE_LABEL = "dev.shipyard.environment.base"
"""The ID of the base image it was prepared on: it is never used on another."""
ROLE_LABEL = "dev.shipyard.environment.role"
"""`data` (the kept directories) or `mark` (the data volume is complete)."""
DATA_LABEL = "dev.shipyard.environment.data"
"""On a mark: the name of the data volume it vouches for."""
FILLED_LABEL = "dev.shipyard.environment.filled"
"""On a mark: the CreatedAt of that data volume (a volume made again under the name is not it)."""
FORMAT_LABEL = "dev.shipyard.environment.format"
"""On a mark: how its data volume is laid out (FORMAT)."""
SIZE_LABEL = "dev.shipyard.environment.size"
"""On a mark: the bytes the kept directories take."""
NAMESPACE_LABEL = "dev.shipyard.environment.namespace"
"""SHIPYARD_CACHE_NAMESPACE of the run that kept it (benchmarks keep theirs apart)."""
MOUNT = "/opt/shipyard/environment"
"""Where a leg's container has its environment's data volume."""
MAX_ENV = "SHIPYARD_ENV_MAX"
DEFAULT_MAX_BYTES = 8 * 1024**3
"""8 GiB: a few projects' matrices (a webapp leg keeps about 30 MB)."""

ENV_TAR = "env.tar"
"""In a data volume: the setup's directories, one tar of paths relative to `/`."""
SOURCES = "sources.json"
"""In a data volume: size and mtime_ns of every `.py` in env.tar, as kept (what the harvest checks)."""
BYTECODE_TAR = "bytecode.tar"
"""In a data volume: the bytecode the first leg wrote for kept files (the harvest's)."""
FORMAT = "tar/1"
"""How this executor lays out a data volume (FORMAT_LABEL): a mark of another layout is not used."""
_SOURCES = """\
import json, os, sys
out, *dirs = sys.argv[1:]
seen = {}
for top in dirs:
    for here, _, names in os.walk("/" + top):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(here, name)
                found = os.lstat(path)
                seen[path] = [found.st_size, found.st_mtime_ns]
with open(out, "w") as written:
    json.dump(seen, written)
"""
KEEP_SCRIPT = (
    'set -e; keep="$1"; sources="$2"; shift 2; '
    'for d in "$@"; do shift; if [ -e "$d" ]; then set -- "$@" "${d#/}"; fi; done; '
    f'cd /; tar -cf "$keep/{ENV_TAR}" "$@"; '
    f'if [ -n "$sources" ]; then python3 -c "$sources" "$keep/{SOURCES}" "$@" '
    f'|| rm -f "$keep/{SOURCES}"; fi; '
    f'du -sk "$keep/{ENV_TAR}"'
)
"""`sh -c` script (args: the volume's mount, SOURCES_SCRIPT or "" when no bytecode is kept, the
directories the setup wrote): tar those that exist into the volume as ENV_TAR, list their sources'
size and mtime (SOURCES), print the kilobytes kept. One file, not a copy of the tree: creating a
venv's thousand files on the engine's disk took 0.4-0.5 s per leg, writing one tar 0.05 s."""
SOURCES_SCRIPT = f"exec({_SOURCES!r})"
RESTORE_SCRIPT = (
    f'set -e; keep="$1"; cd /; tar -xf "$keep/{ENV_TAR}"; '
    f'if [ -f "$keep/{BYTECODE_TAR}" ]; then tar -xf "$keep/{BYTECODE_TAR}"; fi'
)
"""`sh -c` script: extract the kept directories, then their bytecode, back to their paths in the
leg's own container."""
_HARVEST = """\
import importlib.util, json, os, struct, sys, tarfile
keep, *dirs = sys.argv[1:]
try:
    with open(os.path.join(keep, "sources.json")) as listed:
        kept = json.load(listed)
except (OSError, ValueError):
    kept = {}
taken, made = [], set()
for top in dirs:
    for here, _, names in os.walk(top):
        if os.path.basename(here) != "__pycache__":
            continue
        source_dir = os.path.dirname(here)
        for name in names:
            if not name.endswith(".pyc"):
                continue
            source = os.path.join(source_dir, name.split(".", 1)[0] + ".py")
            was = kept.get(source)
            try:
                live = os.stat(source)
                with open(os.path.join(here, name), "rb") as pyc:
                    head = pyc.read(16)
            except OSError:
                continue
            if was is None or len(head) < 16 or [live.st_size, live.st_mtime_ns] != was:
                continue
            flags, mtime, size = struct.unpack("<III", head[4:16])
            if flags & 1:  # hash-based (PEP 552; pytest's rewritten modules): the hash must be the file's
                with open(source, "rb") as text:
                    if importlib.util.source_hash(text.read())[:8] != head[8:16]:
                        continue
            elif flags or mtime != (was[1] // 10**9) & 0xFFFFFFFF or size != was[0] & 0xFFFFFFFF:
                continue
            taken.append(os.path.join(here, name))
if taken:
    with tarfile.open(os.path.join(keep, "bytecode.tar"), "w", format=tarfile.GNU_FORMAT) as archive:
        for path in taken:
            folder = os.path.dirname(path)
            if folder not in made:
                made.add(folder)
                archive.add(folder, arcname=folder.lstrip("/"), recursive=False)
            archive.add(path, arcname=path.lstrip("/"))
    print(len(taken), os.path.getsize(os.path.join(keep, "bytecode.tar")))
else:
    print(0, 0)
"""
HARVEST_SCRIPT = f"exec({_HARVEST!r})"
"""`python3 -c` script (args: the volume's mount, the kept directories): tar into the volume
(BYTECODE_TAR) the bytecode the leg's commands wrote (`__pycache__`) for files the setup wrote —
only where that source is still the very file kept (size and mtime to the nanosecond, from
SOURCES: the project's install replaced none of it) and the bytecode is what Python accepts for
it (a timestamp pyc of that size and mtime, or a hash-based one — pytest's rewritten modules —
of that content). Prints how many it kept and the archive's bytes."""


def repository() -> str:
    """The name environments are kept under; SHIPYARD_CACHE_NAMESPACE isolates benchmarks."""
    return f"{REPOSITORY}-{namespace()}" if namespace() else REPOSITORY


def env_max_bytes() -> int:
    """The bound from SHIPYARD_ENV_MAX (`8G`, `500M`, bytes), else the default."""
    return max_bytes(os.environ[MAX_ENV], name=MAX_ENV) if os.environ.get(MAX_ENV) else DEFAULT_MAX_BYTES


def mark_name(key: str) -> str:
    """The mark volume of an environment key."""
    return volume_name(f"{REPOSITORY}-{key}")


@dataclass(frozen=True)
class Found:
    """The kept environment of a key: its data volume and the bytes its directories take."""

    data: str
    size: int


@dataclass(frozen=True)
class KeptEnvironment:
    """One prepared environment on the engine."""

    ref: str
    """How logs name it: `shipyard-env:<key prefix>`."""
    key: str
    base: str
    size: int
    """Bytes its directories take."""
    made: float
    """When it was kept (the mark's creation time)."""
    base_present: bool
    mark: str
    data: str


class EnvironmentStore:
    """Finds, keeps and evicts prepared environments on one engine."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def find(self, key: str, base_id: str) -> Found | None:
        """The data volume kept for `key` on base `base_id` and its size, or None."""
        api = self._client.api
        try:
            labels: dict[str, str] = api.inspect_volume(mark_name(key)).get("Labels") or {}
            if labels.get(KEY_LABEL) != key or labels.get(BASE_LABEL) != base_id:
                return None
            data = labels.get(DATA_LABEL, "")
            created = str(api.inspect_volume(data).get("CreatedAt", "")) if data else ""
        except docker.errors.NotFound:
            return None
        if not created or labels.get(FILLED_LABEL) != created or labels.get(FORMAT_LABEL) != FORMAT:
            return None
        size = labels.get(SIZE_LABEL, "")
        return Found(data=data, size=int(size) if size.isdigit() else 0)

    def reserve(self, key: str, base_id: str) -> str:
        """A fresh data volume for the environment of `key` (not trusted until `keep`)."""
        name = volume_name(f"{REPOSITORY}-{key}-{secrets.token_hex(4)}")
        self._client.api.create_volume(name, labels=self._labels(key, base_id, "data"))
        return name

    def keep(self, data: str, key: str, base_id: str, size: int) -> None:
        """Mark `data` as the complete environment of `key`, then evict past the bound (never `key`)."""
        api = self._client.api
        created = str(api.inspect_volume(data).get("CreatedAt", ""))
        mark = mark_name(key)
        with contextlib.suppress(docker.errors.NotFound):  # a mark for an earlier data volume
            api.remove_volume(mark, force=True)
        labels = self._labels(key, base_id, "mark") | {
            DATA_LABEL: data,
            FILLED_LABEL: created,
            FORMAT_LABEL: FORMAT,
            SIZE_LABEL: str(size),
        }
        api.create_volume(mark, labels=labels)
        self.prune(limit=env_max_bytes(), keep=(key,))

    def discard(self, data: str) -> None:
        """Remove a data volume that was not kept (its container is gone)."""
        if self._marked_data().get(data) is None:
            with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException):
                self._client.api.remove_volume(data, force=True)

    def entries(self) -> list[KeptEnvironment]:
        """Every kept environment of this namespace, oldest first."""
        found: list[KeptEnvironment] = []
        for volume in self._volumes("mark"):
            labels: dict[str, str] = volume.get("Labels") or {}
            key, base = labels.get(KEY_LABEL, ""), labels.get(BASE_LABEL, "")
            found.append(
                KeptEnvironment(
                    ref=f"{repository()}:{key[:12]}",
                    key=key,
                    base=base,
                    size=int(labels.get(SIZE_LABEL, "0") or 0),
                    made=_timestamp(str(volume.get("CreatedAt", ""))),
                    base_present=self._present(base),
                    mark=str(volume["Name"]),
                    data=labels.get(DATA_LABEL, ""),
                )
            )
        return sorted(found, key=lambda e: (e.made, e.mark))

    def prune(self, *, limit: int, keep: tuple[str, ...] = ()) -> list[KeptEnvironment]:
        """Remove environments whose base is gone, then the oldest until under `limit` (never `keep`).

        Data volumes no mark vouches for (a setup cut short) go too, unless a container still
        mounts them (a leg preparing one right now): the engine refuses to remove those.
        """
        current = self.entries()
        removed = [e for e in current if not e.base_present and e.key not in keep]
        left = [e for e in current if e not in removed]
        total = sum(e.size for e in left)
        for entry in left:
            if total <= limit:
                break
            if entry.key in keep:
                continue
            removed.append(entry)
            total -= entry.size
        api = self._client.api
        for entry in removed:
            for name in (entry.mark, entry.data):
                with contextlib.suppress(docker.errors.APIError):
                    api.remove_volume(name, force=True)
        vouched = self._marked_data()
        for volume in self._volumes("data"):
            if str(volume["Name"]) not in vouched:
                with contextlib.suppress(docker.errors.APIError):  # in use: being prepared
                    api.remove_volume(volume["Name"])
        return removed

    def _marked_data(self) -> dict[str, str]:
        """Data volume name -> key, of every mark."""
        marks = self._volumes("mark")
        return {
            (v.get("Labels") or {}).get(DATA_LABEL, ""): (v.get("Labels") or {}).get(KEY_LABEL, "")
            for v in marks
        }

    def _volumes(self, role: str) -> list[dict[str, Any]]:
        filters = {"label": [f"{ROLE_LABEL}={role}", f"{NAMESPACE_LABEL}={namespace()}"]}
        try:
            listed: dict[str, Any] = self._client.api.volumes(filters=filters)
        except (docker.errors.APIError, requests.exceptions.RequestException):
            return []
        return list(listed.get("Volumes") or [])

    @staticmethod
    def _labels(key: str, base_id: str, role: str) -> dict[str, str]:
        return {KEY_LABEL: key, BASE_LABEL: base_id, ROLE_LABEL: role, NAMESPACE_LABEL: namespace()}

    def _present(self, image_id: str) -> bool:
        if not image_id:
            return False
        try:
            self._client.api.inspect_image(image_id)
        except (docker.errors.ImageNotFound, docker.errors.NotFound):
            return False
        return True


def _timestamp(created: str) -> float:
    """A volume's CreatedAt (RFC 3339, `Z` or an offset) as seconds; 0 when unreadable."""
    try:
        return datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
