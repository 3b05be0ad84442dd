"""What the module registers with the engine: functions, docs, argument types, defaults, checks."""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import fnmatch

import dagger
import pytest
from dagger.mod import default_module
from dagger.mod.cli import load_module
from dagger_offline import find, object_type, patch_execute, sub

from shipyard_ci import Shipyard
from shipyard_ci.main import SOURCE_IGNORE

ArgSpec = tuple[object, str | None, str]
FnSpec = tuple[str, object, dict[str, ArgSpec], bool]

TIER_DOC = "essential, extended or full; the project's configured tier when unset"
EXPECTED: dict[str, FnSpec] = {
    "lint": ("Lint the project with ruff (and its type checker when configured).", str, {}, True),
    "test": (
        "Run the test suite under coverage, every Python version of the matrix in parallel.",
        str,
        {
            "python": (
                str | None,
                "null",
                "One Python version of the matrix, e.g. 3.12; all of them when unset",
            )
        },
        True,
    ),
    "bench": (
        "Run the benchmarks alone against a baseline; return the new baseline when this run records one.",
        dagger.Directory,
        {
            "baseline": (
                dagger.File | None,
                "null",
                "The baseline branch's last recorded bench.json, e.g. .shipyard/baselines/bench.json",
            )
        },
        True,
    ),
    "build": (
        "Build the project's image for one platform.",
        dagger.Container,
        {
            "platform": (
                dagger.Platform | None,
                "null",
                "Target platform, e.g. linux/arm64; the engine's own when unset",
            )
        },
        False,
    ),
    "package": (
        "Build the wheel and sdist, check them, smoke-test them; return dist/ with SHA256SUMS and SBOM.",
        dagger.Directory,
        {
            "python": (
                str | None,
                "null",
                "Smoke-test the wheel on this matrix Python only, e.g. 3.12; all when unset",
            )
        },
        False,
    ),
    "sbom": ("Make the CycloneDX SBOM of the image built for the engine's platform.", dagger.File, {}, False),
    "scan": ("Scan git history, source and image; return the merged SARIF report.", dagger.File, {}, True),
    "compose_test": (
        "Bring the compose stack up with the built image, wait for health and probe it.",
        str,
        {},
        True,
    ),
    "reports": (
        "Run a tier and return its reports; gates never fail this call.",
        dagger.Directory,
        {"tier": (str | None, "null", TIER_DOC)},
        False,
    ),
    "ci": (
        "Run the whole graph; return every report, with summary.json saying whether the gates passed.",
        dagger.Directory,
        {"tier": (str | None, "null", TIER_DOC)},
        False,
    ),
    "publish": (
        "Run the full graph; when every gate passed, push one signed manifest list and move every tag.",
        str,
        {
            "username": (str, None, "Registry user name, e.g. $GITHUB_ACTOR"),
            "password": (dagger.Secret, None, "Registry password or token, e.g. env://GITHUB_TOKEN"),
            "cosign_key": (
                dagger.Secret | None,
                "null",
                "cosign private key, e.g. env://COSIGN_KEY; needed when signing is on",
            ),
            "cosign_password": (
                dagger.Secret | None,
                "null",
                "Password of the cosign key, e.g. env://COSIGN_PASSWORD",
            ),
        },
        False,
    ),
    "publish_package": (
        "Run the full graph; when every gate passed, upload the wheel and sdist to the configured index.",
        str,
        {
            "password": (dagger.Secret, None, "Index password or API token, e.g. env://PYPI_TOKEN"),
            "username": (str, '""', "Index user name; __token__ (for an API token) when unset"),
        },
        False,
    ),
}


CACHE_POLICIES: dict[str, str | None] = {
    # pure functions of the source and the arguments: the engine's default TTL is right
    "lint": None,
    "test": None,
    "build": None,
    "sbom": None,
    "package": None,  # the source and the commit arguments (the stamp) decide the result
    # a verdict that depends on the date (allowlist expiry), a running stack, or a registry
    "scan": "never",
    "bench": "never",  # the verdict depends on the baseline file, no part of the source
    "compose_test": "never",
    "reports": "never",
    "ci": "never",
    "publish": "never",
    "publish_package": "never",  # an upload: the index's state is no input of the call
}


def test_every_side_effecting_or_date_dependent_function_has_its_cache_policy() -> None:
    fns = object_type(Shipyard).functions
    assert sorted(CACHE_POLICIES) == sorted(fns)
    assert {name: fns[name].cache_policy for name in fns} == CACHE_POLICIES


def test_every_function_registers_with_doc_args_defaults_and_check_flag() -> None:
    fns = object_type(Shipyard).functions
    assert sorted(fns) == sorted(EXPECTED)
    for name, (doc, ret, args, is_check) in EXPECTED.items():
        fn = fns[name]
        assert fn.doc == doc, name
        assert fn.return_type == ret, name
        assert fn.check is is_check, name
        assert list(fn.parameters) == list(args), name
        for arg, (typ, default, arg_doc) in args.items():
            p = fn.parameters[arg]
            assert (p.resolved_type, p.default_value, p.doc) == (typ, default, arg_doc), (name, arg)


def test_docstrings_are_one_imperative_line_without_args_blocks() -> None:
    for name, fn in object_type(Shipyard).functions.items():
        assert fn.doc is not None
        assert "\n" not in fn.doc.strip(), name
        assert "Args:" not in fn.doc, name


def test_constructor_takes_the_source_from_the_repo_root_dropping_only_what_no_stage_reads() -> None:
    ctor = object_type(Shipyard).get_constructor()
    assert ctor.wrapped == Shipyard.create
    assert ctor.return_type is Shipyard
    src = ctor.parameters["source"]
    assert src.resolved_type is dagger.Directory
    assert src.default_path == "/"
    assert src.ignore == SOURCE_IGNORE
    # a Dockerfile COPY or a compose env_file may read any project file: only environments,
    # caches and shipyard's own output are dropped (the core selects each stage's files)
    assert not any(p.startswith("!") for p in SOURCE_IGNORE)
    assert {"**/.venv", "**/__pycache__", ".shipyard"} <= set(SOURCE_IGNORE)
    for kept in (".env", ".env.test", "static/app.css", "setup.cfg", "pytest.ini", "templates/a.html"):
        assert not any(fnmatch.fnmatch(kept, p.removeprefix("**/")) for p in SOURCE_IGNORE), kept
    assert src.doc
    for name in ("commit", "ref", "committed"):
        p = ctor.parameters[name]
        assert (p.resolved_type, p.default_value) == (str, '""')
        assert p.doc


def test_runtime_loader_finds_the_main_object() -> None:
    assert load_module() is default_module()


@pytest.mark.anyio
async def test_full_registration_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = patch_execute(monkeypatch)
    await default_module()._typedefs()
    (query,) = rec.queries
    description = str(find(query, "withDescription")[0]["description"])
    assert description.startswith("shipyard: containerized pipeline-as-code for Python projects.")
    type_def = sub(find(query, "withObject")[0]["object"])
    fn_defs = [sub(args["function"]) for args in find(type_def, "withFunction")]
    by_name = {str(find(f, "function")[0]["name"]): f for f in fn_defs}
    assert sorted(by_name) == sorted(
        [
            "lint",
            "test",
            "bench",
            "package",
            "build",
            "sbom",
            "scan",
            "compose_test",
            "reports",
            "ci",
            "publish",
            "publish_package",
        ]
    )
    policies = {n: find(f, "withCachePolicy") for n, f in by_name.items()}
    assert {n for n, p in policies.items() if p} == {n for n, p in CACHE_POLICIES.items() if p}
    assert all(str(p[0]["policy"]).lower() == "never" for p in policies.values() if p)
    checks = sorted(n for n, f in by_name.items() if find(f, "withCheck"))
    assert checks == ["bench", "compose_test", "lint", "scan", "test"]
    (ctor,) = [sub(a["function"]) for a in find(type_def, "withConstructor")]
    source = next(a for a in find(ctor, "withArg") if a["name"] == "source")
    assert source["defaultPath"] == "/"
    assert source["ignore"] == SOURCE_IGNORE
