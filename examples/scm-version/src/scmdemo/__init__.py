"""scmdemo: report the version the package was installed as."""

from importlib.metadata import version

__all__ = ["installed_version", "is_release"]


def installed_version() -> str:
    """The version pip installed this package as (from git, through setuptools-scm)."""
    return version("scmdemo")


def is_release(text: str) -> bool:
    """Whether a version is a release (no dev part, no local part)."""
    return ".dev" not in text and "+" not in text
