"""Which pyproject.toml shapes take their version from git."""

from __future__ import annotations

import pytest
import tomllib

from shipyard.config.vcs_version import HATCH_VCS, SETUPTOOLS_SCM, VERSIONINGIT, VcsBackend, vcs_backend

SCM_TABLE = """
[build-system]
requires = ["setuptools>=77", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"
[project]
name = "x"
dynamic = ["version"]
[tool.setuptools_scm]
"""
SCM_REQUIRES_ONLY = """
[build-system]
requires = ["setuptools", "setuptools_scm[toml]>=6.2"]
build-backend = "setuptools.build_meta"
[project]
name = "x"
dynamic = ["version", "readme"]
"""
HATCH = """
[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"
[project]
name = "x"
dynamic = ["version"]
[tool.hatch.version]
source = "vcs"
"""
HATCH_FILE = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
[project]
name = "x"
dynamic = ["version"]
[tool.hatch.version]
path = "src/x/__about__.py"
"""
VERSIONINGIT_TABLE = """
[build-system]
requires = ["setuptools", "versioningit"]
build-backend = "setuptools.build_meta"
[project]
name = "x"
dynamic = ["version"]
[tool.versioningit]
default-version = "0.0.0+unknown"
"""
STATIC_WITH_SCM = """
[build-system]
requires = ["setuptools", "setuptools-scm"]
build-backend = "setuptools.build_meta"
[project]
name = "x"
version = "1.0"
"""
SETUPTOOLS_ATTR = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"
[project]
name = "x"
dynamic = ["version"]
[tool.setuptools.dynamic]
version = {attr = "x.__version__"}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SCM_TABLE, SETUPTOOLS_SCM),
        (SCM_REQUIRES_ONLY, SETUPTOOLS_SCM),
        (HATCH, HATCH_VCS),
        (HATCH_FILE, None),
        (VERSIONINGIT_TABLE, VERSIONINGIT),
        (STATIC_WITH_SCM, None),
        (SETUPTOOLS_ATTR, None),
        ("[project]\nname = 'x'\n", None),
    ],
    ids=["scm-table", "scm-requires", "hatch-vcs", "hatch-file", "versioningit", "static", "attr", "bare"],
)
def test_vcs_backend(text: str, expected: VcsBackend | None) -> None:
    assert vcs_backend(tomllib.loads(text)) == expected


def test_only_setuptools_scm_and_hatch_vcs_take_an_override() -> None:
    assert SETUPTOOLS_SCM.override == HATCH_VCS.override == "SETUPTOOLS_SCM_PRETEND_VERSION"
    assert VERSIONINGIT.override is None
