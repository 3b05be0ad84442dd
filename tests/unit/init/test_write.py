"""--dry-run writes nothing; an existing table, shipyard.toml or workflow is replaced only with --force."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipyard.errors import ConfigError
from shipyard.init.workflow import WORKFLOW_PATH, workflow_text

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    Init = Callable[..., tuple[int, str, str]]

PLAIN = '[project]\nname = "plain"\nversion = "1.0.0"\n'
WITH_TABLE = (
    "# header kept\n"
    '[project]\nname = "plain"  # name kept\nversion = "1.0.0"\n\n'
    '[tool.shipyard]\ntier = "full"  # the old table\n\n'
    "[tool.shipyard.test]\ncoverage_floor = 95\n\n"
    "[tool.ruff]\n# ruff's comment kept\nline-length = 100\n"
)


def _snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("*") if p.is_file()}


def test_dry_run_shows_diffs_and_writes_nothing(
    write_project: Callable[[dict[str, str]], Path], init: Init
) -> None:
    root = write_project({"pyproject.toml": PLAIN})
    before = _snapshot(root)
    code, out, _ = init(root, "--dry-run")
    assert code == 0, out
    assert "--- a/pyproject.toml\n+++ b/pyproject.toml\n" in out
    assert "+[tool.shipyard]\n" in out
    assert f"--- /dev/null\n+++ b/{WORKFLOW_PATH}\n" in out
    assert "dry run: nothing written" in out
    assert "shipyard plan: plain" in out
    assert _snapshot(root) == before
    assert not (root / ".shipyard").exists()


def test_an_existing_table_is_refused_without_force_in_one_line_naming_the_fix(
    write_project: Callable[[dict[str, str]], Path], init: Init
) -> None:
    root = write_project({"pyproject.toml": WITH_TABLE})
    before = _snapshot(root)
    code, out, err = init(root)
    assert code == ConfigError.exit_code
    assert err == (
        "shipyard: error: pyproject.toml already has a [tool.shipyard] table "
        "(fix: pass --force to replace it, or --dry-run to see the change first)\n"
    )
    assert out == ""
    assert _snapshot(root) == before


def test_an_existing_workflow_is_refused_without_force(
    write_project: Callable[[dict[str, str]], Path], init: Init
) -> None:
    root = write_project({"pyproject.toml": PLAIN, WORKFLOW_PATH: "name: ours\n"})
    code, _, err = init(root)
    assert code != 0
    assert f"{WORKFLOW_PATH} already exists (fix: pass --force" in err
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == PLAIN  # nothing written at all
    code, _, _ = init(root, "--force")
    assert code == 0
    assert (root / WORKFLOW_PATH).read_text(encoding="utf-8") == workflow_text()


def test_force_replaces_only_the_table_and_keeps_every_other_comment_and_key_order(
    write_project: Callable[[dict[str, str]], Path],
    init: Init,
    shipyard_table: Callable[[Path], dict[str, Any]],
) -> None:
    root = write_project({"pyproject.toml": WITH_TABLE})
    code, out, _ = init(root, "--force")
    assert code == 0, out
    after = (root / "pyproject.toml").read_text(encoding="utf-8")
    kept = (
        "# header kept\n"
        '[project]\nname = "plain"  # name kept\nversion = "1.0.0"\n\n'
        "[tool.ruff]\n# ruff's comment kept\nline-length = 100\n"
    )
    assert after.startswith(kept.rstrip() + "\n\n[tool.shipyard]\n")
    assert "the old table" not in after
    assert shipyard_table(root) == {}


def test_a_second_init_is_a_no_op(write_project: Callable[[dict[str, str]], Path], init: Init) -> None:
    root = write_project({"pyproject.toml": PLAIN})
    assert init(root)[0] == 0
    before = _snapshot(root)
    code, out, _ = init(root)
    assert code == 0, out
    assert "nothing to write: the files are up to date" in out
    assert _snapshot(root) == before


def test_shipyard_toml_takes_top_level_keys(
    write_project: Callable[[dict[str, str]], Path], init: Init
) -> None:
    root = write_project({"pyproject.toml": PLAIN, "requirements-dev.txt": "pytest==8.3.3\n"})
    code, out, _ = init(root, "--config", "shipyard.toml")
    assert code == 0, out
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == PLAIN
    text = (root / "shipyard.toml").read_text(encoding="utf-8")
    assert "[test]\n# pytest and the test dependencies come from requirements-dev.txt" in text
    assert 'requirements = ["requirements-dev.txt"]' in text
