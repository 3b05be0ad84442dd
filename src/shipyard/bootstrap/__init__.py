"""Engine bootstrap: a Docker Engine, local registries and seeded images on Debian 12, offline.

Run it as `python -m shipyard.bootstrap` (or `shipyard engine bootstrap`); see docs/engine.md.
"""

from shipyard.bootstrap.cli import main

__all__ = ["main"]
