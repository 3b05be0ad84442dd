"""Where a leg's setup directories live: the cap, the reuse rule, and telling a full tmpfs on real output."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.docker.leg_memory import MEMORY_ENV, memory_cap, outgrew, reuse_cap, tmpfs_options
from shipyard.errors import ConfigError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tools" / "leg_memory"
GIB = 1024**3


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_the_cap_is_a_sixteenth_of_the_engines_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEMORY_ENV, raising=False)
    assert memory_cap(24 * GIB) == int(1.5 * GIB)
    assert memory_cap(0) == 0  # an engine that does not say: on disk


@pytest.mark.parametrize(("value", "expected"), [("2G", 2 * GIB), ("500M", 500 * 1024**2), ("0", 0)])
def test_the_setting_overrides_it(monkeypatch: pytest.MonkeyPatch, value: str, expected: int) -> None:
    monkeypatch.setenv(MEMORY_ENV, value)
    assert memory_cap(24 * GIB) == expected


def test_a_setting_that_is_no_size_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MEMORY_ENV, "lots")
    with pytest.raises(ConfigError, match=r"SHIPYARD_ENV_MEMORY='lots' is not a size"):
        memory_cap(24 * GIB)


def test_a_reusing_leg_goes_in_memory_only_with_room_to_spare() -> None:
    cap = 100 * 1024**2
    assert reuse_cap(30 * 1024**2, cap) == cap
    assert reuse_cap(50 * 1024**2, cap) == cap
    assert reuse_cap(51 * 1024**2, cap) == 0  # the project's install and bytecode need room too
    assert reuse_cap(1, 0) == 0  # SHIPYARD_ENV_MEMORY=0


def test_the_mounts_are_executable_and_capped() -> None:
    assert tmpfs_options(("/venv", "/opt/shipyard/coverage"), 1000) == {
        "/venv": "exec,mode=755,size=1000",
        "/opt/shipyard/coverage": "exec,mode=755,size=1000",
    }


def test_uv_running_out_of_room_says_so() -> None:
    # df was not needed: uv names ENOSPC (the tmpfs had room left after the large file it refused)
    assert outgrew("", fixture("uv-no-space.txt"), cap=20 * 1024**2)


def test_a_full_directory_tells_a_failure_that_does_not_name_enospc() -> None:
    tail = fixture("pip-no-space.txt")
    assert not outgrew("", tail, cap=12_000_000)  # pip's ensurepip error alone says nothing of space
    assert outgrew(fixture("df-pip.txt"), tail, cap=12_000_000)


def test_a_failure_with_room_left_is_the_projects_own() -> None:
    failed_tests = "FAILED tests/test_app.py::test_health - AssertionError\n1 failed, 9 passed"
    assert not outgrew(fixture("df-room.txt"), failed_tests, cap=40_000_000)


@pytest.mark.parametrize("df_output", ["", "garbage\nnot df at all", "df-missing.txt"])
def test_unreadable_df_output_is_not_full(df_output: str) -> None:
    text = fixture(df_output) if df_output.endswith(".txt") else df_output
    assert not outgrew(text, "exit 1", cap=40_000_000)


def test_on_disk_nothing_outgrows() -> None:
    assert not outgrew(fixture("df-pip.txt"), fixture("uv-no-space.txt"), cap=0)
