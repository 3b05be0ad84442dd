"""The key a test leg's prepared environment is kept by: every input that shapes it changes it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from shipyard.config.load import load_project
from shipyard.plan.version import ProjectVersion
from shipyard.stages.environment import content_digest, environment_key, read_files
from shipyard.stages.spec import Command, ContainerStep
from shipyard.stages.test import test_stage as make_test_stage

WEBAPP = load_project(Path(__file__).resolve().parents[3] / "examples" / "webapp")


def _step(version: str) -> ContainerStep:
    action = make_test_stage(WEBAPP, version).action
    assert isinstance(action, ContainerStep)
    return action


STEP = _step("3.12")
IMAGE = "sha256:" + "1" * 64
TOOLS = {t.image: "sha256:" + "2" * 64 for t in STEP.tools}


def _key(
    step: ContainerStep = STEP, *, image: str = IMAGE, tools: dict[str, str] = TOOLS, **files: bytes
) -> str:
    assert step.environment is not None
    base = read_files(WEBAPP.root, step.environment.reads)
    return environment_key(
        step,
        image_id=image,
        tool_ids=tools,
        files={**base, **{k.replace("_", "."): v for k, v in files.items()}},
    )


def test_the_key_reads_only_the_lock_and_pyproject_and_changes_with_each_input() -> None:
    assert STEP.environment is not None
    assert STEP.environment.reads == ("pyproject.toml", "uv.lock")
    assert not any(path.startswith(("src/", "tests/")) for path in STEP.environment.reads)
    assert [c.label for c in STEP.setup_commands] == ["install-deps", "install-coverage"]
    assert [c.label for c in STEP.main_commands] == ["install", "pytest"]  # pytest reports coverage itself
    key = _key()
    assert _key() == key  # stable
    changed = {
        "base image ID": _key(image="sha256:" + "3" * 64),
        "tool image ID": _key(tools=dict.fromkeys(TOOLS, "sha256:" + "4" * 64)),
        "uv.lock": _key(uv_lock=b"version = 1\n# edited\n"),
        "pyproject.toml": _key(pyproject_toml=b"[project]\nname = 'webapp'\n"),
        "setup argv": _key(replace(STEP, commands=(Command(argv=("true",)), *STEP.commands[1:]))),
        "env": _key(replace(STEP, env={**STEP.env, "UV_INDEX_URL": "https://mirror.example/simple"})),
        "tool pin": _key(replace(STEP, tools=tuple(replace(t, image=t.image + "0") for t in STEP.tools))),
    }
    assert len({key, *changed.values()}) == 1 + len(changed), changed
    # what runs after the source (the project install, pytest) is not part of it
    later = replace(STEP, commands=(*STEP.commands[:-1], Command(argv=("echo", "other"), label="pytest")))
    assert _key(later) == key


def test_other_pythons_have_other_keys() -> None:
    assert _key(_step("3.13")) != _key()


def test_the_version_a_leg_builds_the_project_as_is_set_after_the_setup_and_is_not_in_the_key() -> None:
    """A project whose version comes from git: each commit is a new version, never a new environment
    (the setup installs the dependencies only; the project, which reads the version, comes after)."""

    def step(version: str) -> ContainerStep:
        built_as = ProjectVersion(
            value=version, source="git", env={"SETUPTOOLS_SCM_PRETEND_VERSION": version}
        )
        action = make_test_stage(WEBAPP, "3.12", built_as).action
        assert isinstance(action, ContainerStep)
        return action

    one, two = step("1.4.1.dev3"), step("1.4.1.dev4")
    assert one.environment is not None
    assert one.environment.later_env == ("SETUPTOOLS_SCM_PRETEND_VERSION",)
    assert "SETUPTOOLS_SCM_PRETEND_VERSION" not in one.setup_env
    assert one.env["SETUPTOOLS_SCM_PRETEND_VERSION"] == "1.4.1.dev3"  # the project's install has it
    assert _key(one) == _key(two) == _key()
    # a variable the setup does read still changes the key
    assert _key(replace(one, env={**one.env, "UV_INDEX_URL": "https://mirror.example/simple"})) != _key()


def test_a_comment_or_a_reformatting_of_what_the_setup_reads_keeps_the_environment() -> None:
    lock = (WEBAPP.root / "uv.lock").read_bytes()
    pyproject = (WEBAPP.root / "pyproject.toml").read_bytes()
    assert _key(uv_lock=lock + b"\n# a comment\n") == _key()
    assert _key(pyproject_toml=pyproject.replace(b" = ", b"=") + b"\n\n# notes\n") == _key()
    assert _key(uv_lock=lock.replace(b'version = "', b'version = "9', 1)) != _key(), "a value changed"


def test_what_each_kind_of_file_is_compared_by() -> None:
    plain = b"httpx>=0.27\npytest  # the runner\n"
    assert content_digest("requirements.txt", plain) == content_digest(
        "requirements.txt", b"# tools\n\nhttpx>=0.27\n  pytest\n"
    )
    assert content_digest("requirements.txt", plain) != content_digest(
        "requirements.txt", b"httpx>=0.28\npytest\n"
    )
    egg = b"git+https://example.invalid/a.git#egg=a\n"  # no whitespace before `#`: not a comment
    assert content_digest("requirements.txt", egg) != content_digest(
        "requirements.txt", b"git+https://example.invalid/a.git\n"
    )
    broken = b"[project\nname = 'x'\n"  # not TOML: compared by its bytes, so any edit counts
    assert content_digest("pyproject.toml", broken) != content_digest("pyproject.toml", broken + b"# x\n")
    assert content_digest("uv.lock", b"\xff\xfe") != content_digest("uv.lock", b"\xff")
    assert content_digest("setup.cfg", b"[a]\n") != content_digest("setup.cfg", b"[a]\n# x\n")
