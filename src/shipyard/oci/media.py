"""Media types of the OCI image spec and their Docker schema 2 equivalents."""

from __future__ import annotations

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"

INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
"""Documents that list other manifests."""
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
"""Documents that describe one image: a config and layers."""
ACCEPT = f"{OCI_INDEX}, {OCI_MANIFEST}, {DOCKER_LIST}, {DOCKER_MANIFEST}"
"""What a manifest GET accepts, so the registry never down-converts."""

REFERENCE_TYPE = "vnd.docker.reference.type"
"""Annotation buildx puts on the manifests that carry attestations (not images)."""
ATTESTATION_MANIFEST = "attestation-manifest"
