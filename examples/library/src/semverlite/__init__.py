"""Parse, compare and bump semantic versions (https://semver.org)."""

from semverlite.version import InvalidVersion, Version

__all__ = ["InvalidVersion", "Version"]
__version__ = "1.4.0"
