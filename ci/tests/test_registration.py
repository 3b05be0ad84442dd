"""What the module registers with the engine: functions, docs, argument types, defaults, checks."""

# pyright: reportPrivateUsage=false

from __future__ import annotations

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
        "Run the full graph, then push every platform as one manifest list per tag and sign it.",
        str,
        {
            "username": (str, None, "Registry user name, e.g. $GITHUB_ACTOR"),
            "password": (dagger.Secret, None, "Registry password or token, e.g. env://GITHUB_TOKEN"),
            "cosign_key": (dagger.Secret | None, "null", "cosign private key; the image is signed when set"),
            "cosign_password": (dagger.Secret | None, "null", "Password of the cosign key"),
        },
        False,
    ),
}


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


def test_constructor_takes_an_allow_listed_source_from_the_repo_root() -> None:
    ctor = object_type(Shipyard).get_constructor()
    assert ctor.wrapped == Shipyard.create
    assert ctor.return_type is Shipyard
    src = ctor.parameters["source"]
    assert src.resolved_type is dagger.Directory
    assert src.default_path == "/"
    assert src.ignore == SOURCE_IGNORE
    assert SOURCE_IGNORE[0] == "*"  # exclude everything, then re-include what the pipeline reads
    assert {"!pyproject.toml", "!uv.lock", "!src/**", "!tests/**", "!**/Dockerfile*"} <= set(SOURCE_IGNORE)
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
        ["lint", "test", "build", "sbom", "scan", "compose_test", "reports", "ci", "publish"]
    )
    checks = sorted(n for n, f in by_name.items() if find(f, "withCheck"))
    assert checks == ["compose_test", "lint", "scan", "test"]
    (ctor,) = [sub(a["function"]) for a in find(type_def, "withConstructor")]
    source = next(a for a in find(ctor, "withArg") if a["name"] == "source")
    assert source["defaultPath"] == "/"
    assert source["ignore"] == SOURCE_IGNORE
