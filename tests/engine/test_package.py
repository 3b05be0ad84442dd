"""The package stage on examples/library: one commit, byte-identical distributions; a broken README.

Two `--no-cache` runs of the package stage (and one smoke leg, on one Python to stay cheap) must
give the same sha256 for the wheel and the sdist: SOURCE_DATE_EPOCH comes from the commit. A
README that does not render fails with twine's reason in one line, and the reports are written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from shipyard.reports.checksums import sha256_file
from tests.engine.helpers import git_copy, git_init, shipyard, summary

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.engine, pytest.mark.slow]
PYTHON = "3.13"


def package_once(project: Path) -> dict[str, str]:
    done = shipyard("run", "package", "--source", str(project), "--no-cache", "--python", PYTHON, timeout=600)
    stages = summary(project)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert stages["package"]["status"] == "passed", stages["package"]
    assert stages[f"package-smoke-{PYTHON}"]["status"] == "passed", stages[f"package-smoke-{PYTHON}"]
    dist = project / ".shipyard" / "out" / "package" / "dist"
    return {p.name: sha256_file(p) for p in sorted(dist.iterdir()) if p.name.endswith((".whl", ".tar.gz"))}


def test_one_commit_gives_byte_identical_distributions(tmp_path: Path) -> None:
    project = git_copy("library", tmp_path)
    first = package_once(project)
    second = package_once(project)
    assert sorted(first) == ["semverlite-1.4.0-py3-none-any.whl", "semverlite-1.4.0.tar.gz"]
    assert first == second, "two builds of one commit gave different distributions"
    dist = project / ".shipyard" / "out" / "package" / "dist"
    sums = (dist / "SHA256SUMS").read_text(encoding="utf-8")
    assert sums == "".join(f"{digest}  {name}\n" for name, digest in first.items())
    stamp = json.loads((dist / "stamp.json").read_text(encoding="utf-8"))
    assert stamp["commit"] == summary_git_sha(project)
    assert stamp["files"] == first
    assert json.loads((dist / "sbom.cdx.json").read_text(encoding="utf-8"))["bomFormat"] == "CycloneDX"


def summary_git_sha(project: Path) -> str:
    data = json.loads((project / ".shipyard" / "out" / "summary.json").read_text(encoding="utf-8"))
    return str(data["git"]["sha"])


def test_a_readme_that_does_not_render_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    project = git_copy("library", tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace('readme = "README.md"', 'readme = "README.rst"'),
        encoding="utf-8",
    )
    (project / "README.md").unlink()
    (project / "README.rst").write_text("semverlite\n====\n\nParse and bump versions.\n", encoding="utf-8")
    git_init(project)
    done = shipyard("run", "package", "--source", str(project), "--python", PYTHON, timeout=600)
    assert done.returncode != 0
    package = summary(project)["package"]
    assert package["status"] == "failed"
    line = str(package["summary"])
    assert "would not render on the index" in line
    assert "Title underline too short" in line
    assert "(fix: correct the markup of the file [project] readme names" in line
    assert summary(project)[f"package-smoke-{PYTHON}"]["status"] == "skipped"
    assert (project / ".shipyard" / "out" / "package" / "twine-check.txt").is_file()
