"""The package index client: the legacy upload API and the simple index, from the shipyard process.

Engine-free like the OCI client: both executors hand the core the package stage's `dist/` and
the core uploads it, so an index on loopback is reachable whichever executor ran the build.
"""
