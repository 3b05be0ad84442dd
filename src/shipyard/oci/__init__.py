"""OCI images without an engine: read `docker save` tarballs, build indexes, talk to registries.

Nothing here imports an engine SDK; the Docker executor's publish step and the tests use it alike.
"""
