"""The documents a build backend reads into the metadata: found in the project's own configuration,
kept in the stages that install or build it (structlog's changelog, read by hatch-fancy-pypi-readme,
failed every test leg's install when the filter left it out)."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.config.metadata_files import metadata_files
from shipyard.gitinfo import NO_GIT
from shipyard.plan.graph import PlanContext, build_plan
from shipyard.plan.sources import list_files, select

if TYPE_CHECKING:
    from pathlib import Path

CONTEXT = PlanContext(git=NO_GIT, today=dt.date(2026, 12, 1), host_platform="linux/amd64")

STRUCTLOG_SHAPE = """\
[build-system]
requires = ["hatchling", "hatch-vcs", "hatch-fancy-pypi-readme>=22.8.0"]
build-backend = "hatchling.build"

[project]
dynamic = ["readme", "version"]
name = "structlog"
requires-python = ">=3.10"
license = "MIT OR Apache-2.0"
license-files = ["LICENSE-*", "NOTICE"]

[tool.hatch.version]
source = "vcs"

[tool.hatch.metadata.hooks.fancy-pypi-readme]
content-type = "text/markdown"

[[tool.hatch.metadata.hooks.fancy-pypi-readme.fragments]]
text = "<p>logo</p>"

[[tool.hatch.metadata.hooks.fancy-pypi-readme.fragments]]
path = "README.md"
start-after = "<!-- begin-short -->"

[[tool.hatch.metadata.hooks.fancy-pypi-readme.fragments]]
path = "CHANGELOG.md"
pattern = "\\n(###.+?\\n)## "
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"pyproject.toml": STRUCTLOG_SHAPE},
            ("LICENSE-*", "NOTICE", "README.md", "CHANGELOG.md"),
            id="hatch-fancy-pypi-readme",
        ),
        pytest.param(
            {"pyproject.toml": '[project]\nname = "a"\nreadme = {file = "docs/intro.rst"}\n'},
            ("docs/intro.rst",),
            id="readme-table",
        ),
        pytest.param(
            {
                "pyproject.toml": '[project]\nname = "a"\nreadme = "./README.md"\n'
                'license = {file = "COPYING.txt"}\n'
            },
            ("README.md", "COPYING.txt"),
            id="readme-and-license-file",
        ),
        pytest.param(
            {
                "pyproject.toml": """\
                [project]
                name = "a"
                dynamic = ["readme", "version", "dependencies", "optional-dependencies"]
                [tool.setuptools.dynamic]
                readme = {file = ["README.rst", "CHANGES.rst"], content-type = "text/x-rst"}
                version = {file = "VERSION"}
                dependencies = {file = "requirements.in"}
                optional-dependencies.test = {file = ["requirements-test.in"]}
                """
            },
            ("README.rst", "CHANGES.rst", "VERSION", "requirements.in", "requirements-test.in"),
            id="setuptools-dynamic",
        ),
        pytest.param(
            {"pyproject.toml": '[tool.poetry]\nname = "a"\nreadme = ["README.md", "HISTORY.md"]\n'},
            ("README.md", "HISTORY.md"),
            id="poetry-readme-list",
        ),
        pytest.param(
            {
                "pyproject.toml": '[project]\nname = "a"\n'
                '[tool.hatch.version]\npath = "src/a/__about__.py"\n',
            },
            ("src/a/__about__.py",),
            id="hatch-version-path",
        ),
        pytest.param(
            {
                "setup.cfg": """\
                [metadata]
                name = a
                long_description = file: README.rst, CHANGELOG.rst
                license_files =
                    LICENSE
                    AUTHORS.md
                [options]
                install_requires = file: requirements.txt
                """,
            },
            ("README.rst", "CHANGELOG.rst", "LICENSE", "AUTHORS.md", "requirements.txt"),
            id="setup-cfg",
        ),
        pytest.param(
            {
                "setup.py": 'from setuptools import setup\nsetup(long_description=open("README.rst").read()'
                ' + open("HISTORY.rst").read() + open("MISSING.md").read())\n',
                "README.rst": "x",
                "HISTORY.rst": "x",
            },
            ("README.rst", "HISTORY.rst"),  # a name no file has is no file to keep
            id="setup-py-names-that-exist",
        ),
        pytest.param({"pyproject.toml": "[project\nname = "}, (), id="malformed-pyproject"),
        pytest.param({"setup.cfg": "not a [section"}, (), id="malformed-setup-cfg"),
        pytest.param(
            {"pyproject.toml": '[project]\nname = "a"\nreadme = 3\nlicense = "MIT"\n'}, (), id="odd-types"
        ),
        pytest.param({}, (), id="nothing"),
    ],
)
def test_the_files_a_backend_reads_come_from_the_projects_configuration(
    tmp_path: Path, files: dict[str, str], expected: tuple[str, ...]
) -> None:
    assert metadata_files(write(tmp_path, files)) == expected


def test_a_test_leg_and_the_build_keep_the_changelog_the_backend_reads_and_nothing_else_of_the_docs(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": STRUCTLOG_SHAPE,
            "README.md": "# s",
            "CHANGELOG.md": "## 1.0",
            "NOTICE": "n",
            "LICENSE-MIT": "m",
            "docs/index.md": "# docs",
            "CONTRIBUTING.md": "# how",
            "src/structlog/__init__.py": "",
            "tests/test_it.py": "",
            "Dockerfile": "FROM python:3.13-slim\n",
        },
    )
    plan = build_plan(load_project(root), CONTEXT)
    files = list_files(root)
    for stage_id in ("test-3.13", "build-linux-amd64"):
        chosen = select(files, plan.get(stage_id).inputs)
        assert {"CHANGELOG.md", "README.md", "NOTICE", "LICENSE-MIT"} <= set(chosen), (stage_id, chosen)
        assert "docs/index.md" not in chosen, stage_id
        assert "CONTRIBUTING.md" not in chosen, stage_id
