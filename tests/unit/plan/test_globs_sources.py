from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from shipyard.config.load import load_project
from shipyard.plan.globs import matches
from shipyard.plan.sources import hash_files, list_files, select, tree_digest
from shipyard.stages.common import code_filter
from shipyard.stages.spec import SourceFilter

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        # ** spans any number of directories, including none
        ("a/b/c.py", "**", True),
        ("c.py", "**/*.py", True),
        ("a/b/c.py", "**/*.py", True),
        ("a/d.py", "a/**/d.py", True),
        ("a/b/c/d.py", "a/**/d.py", True),
        ("b/d.py", "a/**/d.py", False),
        ("a/b/c.py", "a/**", True),
        ("a", "a/**", False),
        # one * stays within a directory
        ("a/c.py", "a/*.py", True),
        ("a/b/c.py", "a/*.py", False),
        # a pattern without a slash matches the name at any depth
        ("a/b/c.py", "*.py", True),
        ("x/README.md", "README*", True),
        ("docker/Dockerfile.dev", "Dockerfile*", True),
        ("a/b/c.txt", "*.py", False),
        # a pattern with a slash is anchored at the root
        ("docs/x.md", "docs/**", True),
        ("pkg/docs/x.md", "docs/**", False),
        ("sub/.git/config", ".git/**", False),
        ("pkg/__pycache__/m.cpython-312.pyc", "**/__pycache__/**", True),
        # ? is one character; regex metacharacters are literal
        ("a.py", "?.py", True),
        ("ab.py", "?.py", False),
        ("a+b(1).py", "a+b(1).py", True),
        ("aXb.py", "a.b.py", False),
    ],
)
def test_glob_semantics(path: str, pattern: str, *, expected: bool) -> None:
    assert matches(path, pattern) is expected


FILES = [
    "README.md",
    "docs/guide.md",
    "CHANGELOG.md",
    "LICENSE",
    "src/pkg/app.py",
    "src/pkg/__pycache__/app.cpython-312.pyc",
    ".github/workflows/ci.yml",
    "Dockerfile",
    "compose.yaml",
    "uv.lock",
    ".venv/lib/site.py",
]


def test_keep_brings_back_package_metadata_despite_the_docs_exclusion(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    project = load_project(write_project({"pyproject.toml": '[project]\nname = "pkg"\n'}))
    assert select(FILES, code_filter(project)) == ["LICENSE", "README.md", "src/pkg/app.py", "uv.lock"]
    # the changelog comes back when the backend's readme plugin reads it
    fancy = '[[tool.hatch.metadata.hooks.fancy-pypi-readme.fragments]]\npath = "CHANGELOG.md"\n'
    project = load_project(write_project({"pyproject.toml": f'[project]\nname = "pkg"\n{fancy}'}))
    assert "CHANGELOG.md" in select(FILES, code_filter(project))


def test_select_include_exclude_keep() -> None:
    only_docs = SourceFilter(include=("**/*.md",), exclude=("docs/**",), keep=("docs/guide.md",))
    assert select(FILES, only_docs) == ["CHANGELOG.md", "README.md", "docs/guide.md"]
    assert select(FILES, SourceFilter(include=())) == []


def test_list_files_in_a_git_work_tree_honours_gitignore(
    write_project: Callable[[dict[str, str]], Path], git: Callable[..., str]
) -> None:
    root = write_project(
        {
            ".gitignore": "build/\n*.log\n",
            "pyproject.toml": "[project]\n",
            "src/pkg/app.py": "x = 1\n",
            "build/out.txt": "ignored\n",
            "debug.log": "ignored\n",
        }
    )
    git(root, "init", "--quiet")
    git(root, "add", "pyproject.toml")
    git(root, "commit", "--quiet", "-m", "one")
    (root / "untracked.py").write_text("y = 2\n", encoding="utf-8")
    (root / "pyproject.toml").unlink()  # tracked, deleted in the work tree: not a file any more
    assert list_files(root) == [".gitignore", "src/pkg/app.py", "untracked.py"]


def test_list_files_walks_a_directory_that_is_not_a_git_work_tree(
    write_project: Callable[[dict[str, str]], Path],
) -> None:
    root = write_project(
        {
            ".gitignore": "*.log\n",  # means nothing without git
            "a.py": "",
            "debug.log": "",
            "pkg/b.py": "",
            "pkg/__pycache__/b.pyc": "",
            ".venv/bin/python": "",
            ".shipyard/out/x": "",
        }
    )
    assert list_files(root) == [".gitignore", "a.py", "debug.log", "pkg/b.py"]


def test_hash_files_follows_content_and_the_exec_bit(write_project: Callable[[dict[str, str]], Path]) -> None:
    root = write_project({"run.sh": "echo hi\n", "same.sh": "echo hi\n"})
    first = hash_files(root, ["run.sh", "same.sh"])
    assert first["run.sh"] == first["same.sh"]
    (root / "run.sh").chmod(0o755)
    executable = hash_files(root, ["run.sh"])["run.sh"]
    assert executable != first["run.sh"]
    (root / "same.sh").write_text("echo ho\n", encoding="utf-8")
    assert hash_files(root, ["same.sh"])["same.sh"] != first["same.sh"]


def test_a_symlink_hashes_its_target_path(write_project: Callable[[dict[str, str]], Path]) -> None:
    root = write_project({"a.txt": "a\n", "b.txt": "a\n"})
    (root / "link").symlink_to("a.txt")
    before = hash_files(root, ["link"])["link"]
    (root / "a.txt").write_text("changed\n", encoding="utf-8")
    assert hash_files(root, ["link"])["link"] == before
    (root / "link").unlink()
    (root / "link").symlink_to("b.txt")
    assert hash_files(root, ["link"])["link"] != before


def test_tree_digest_covers_paths_and_content_not_order() -> None:
    hashes = {"a": "1", "b": "2", "c": "2"}
    assert tree_digest(hashes, ["a", "b"]) == tree_digest(hashes, ["b", "a"])
    assert tree_digest(hashes, ["a", "b"]) != tree_digest(hashes, ["a", "c"])
    assert tree_digest(hashes, ["a", "b"]) != tree_digest({**hashes, "b": "3"}, ["a", "b"])
