"""package: the project's wheel and sdist, built in a container from a clean copy, checked and sealed.

One container on the newest matrix Python: the pinned tools (build, twine, check-wheel-contents)
from PyPI through uv; `uv build` for uv projects, `python -m build` for the others, with
SOURCE_DATE_EPOCH from the commit time so one commit gives byte-identical distributions; then
`twine check --strict`, `check-wheel-contents`, SHA256SUMS and the commit stamp (package_probe),
and a CycloneDX SBOM of what the wheel installs (syft over a target folder it was installed into).
Each matrix Python then installs and imports the wheel (package_smoke). The evaluate function
judges the files those commands wrote.
"""

from __future__ import annotations

import posixpath
import sys
from importlib import resources
from typing import TYPE_CHECKING, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from shipyard.stages import install
from shipyard.stages.common import (
    ALWAYS_EXCLUDED,
    UV_CACHE,
    newest_python,
    python_image,
    tool_binary,
    tool_path,
)
from shipyard.stages.package_verdict import (
    BUILD_TXT,
    DIST,
    SBOM_JSON,
    TWINE_TXT,
    WHEEL_CONTENTS_TXT,
    EvaluatePackage,
)
from shipyard.stages.spec import OUTDIR, Command, ContainerStep, SourceFilter, Stage

if TYPE_CHECKING:
    from shipyard.config.load import Project
    from shipyard.gitinfo import GitInfo
    from shipyard.plan.version import ProjectVersion

PACKAGE_ID = "package"
DIST_DIR = f"{OUTDIR}/{DIST}"
PACKAGE_TOOLS: tuple[str, ...] = ("build==1.6.1", "twine==7.0.0", "check-wheel-contents==0.6.3")
"""The packaging tools every package stage runs, pinned (installed from PyPI into TOOLS_VENV)."""
TOOLS_VENV = "/opt/shipyard/package"
SBOM_SITE = "/opt/shipyard/sbom-site"
"""Where the wheel and its dependencies are installed for syft to catalogue (outside /src)."""
SYFT = tool_path("syft")
"""syft in its own tool folder: a tool mounted at /usr/local/bin would hide the image's Python."""
PROBE_SOURCE = resources.files("shipyard.stages").joinpath("package_probe.py").read_text(encoding="utf-8")
"""The helper the containers run with `python -c` (standard library only)."""


def build_backend(project: Project) -> str | None:
    """The project's `[build-system] build-backend`, `setup.py` for a legacy project, else None."""
    try:
        document = tomllib.loads((project.root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    table = document.get("build-system")
    backend = cast("dict[str, object]", table).get("build-backend") if isinstance(table, dict) else None
    if isinstance(backend, str) and backend:
        return backend
    return "setup.py" if (project.root / "setup.py").is_file() else None


def release_tag(git: GitInfo) -> str:
    """The tag a release ref names (`refs/tags/v1.4.0` → `v1.4.0`), empty on any other ref."""
    return git.ref.removeprefix("refs/tags/") if git.ref and git.ref.startswith("refs/tags/") else ""


def stamp_env(git: GitInfo) -> dict[str, str]:
    """SOURCE_DATE_EPOCH from the commit time (reproducible archives) and the stamp's commit facts."""
    if git.sha is None or git.committed is None:
        return {}
    return {
        "SOURCE_DATE_EPOCH": str(int(git.committed.timestamp())),
        "SHIPYARD_COMMIT": git.sha,
        "SHIPYARD_REF": git.ref or "",
        "SHIPYARD_COMMITTED": git.committed.isoformat(),
    }


IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The PATH of the python:X-slim images (and of the seeded stand-ins)."""


def _tool(name: str) -> str:
    return f"{TOOLS_VENV}/bin/{name}"


def _build_argv(project: Project, version: str) -> tuple[str, ...]:
    if install.installer_for(project) == "uv":
        return (install.UV, "build", "--python", f"python{version}", "--out-dir", DIST_DIR, ".")
    return (_tool("python"), "-m", "build", "--installer", "uv", "--outdir", DIST_DIR, ".")


def package_stage(project: Project, git: GitInfo, built_as: ProjectVersion | None = None) -> Stage:
    """The package stage of `project` at the commit `git` describes."""
    version = newest_python(project)
    probe = (f"python{version}", "-c", PROBE_SOURCE)
    backend = build_backend(project)
    commands = (
        Command(argv=(install.UV, "venv", "--python", f"python{version}", TOOLS_VENV), label="tools-venv"),
        Command(
            argv=(install.UV, "pip", "install", "--python", _tool("python"), *PACKAGE_TOOLS),
            label="install-tools",
        ),
        Command(argv=_build_argv(project, version), may_fail=True, label="build", stdout=BUILD_TXT),
        Command(
            argv=(_tool("twine"), "check", "--strict", f"{DIST_DIR}/*"),  # twine expands the pattern
            may_fail=True,
            label="twine-check",
            stdout=TWINE_TXT,
        ),
        Command(
            argv=(_tool("check-wheel-contents"), DIST_DIR),
            may_fail=True,
            label="check-wheel-contents",
            stdout=WHEEL_CONTENTS_TXT,
        ),
        Command(argv=(*probe, "seal", DIST_DIR), may_fail=True, label="seal"),
        Command(
            argv=(*probe, "install", install.UV, DIST_DIR, SBOM_SITE), may_fail=True, label="sbom-install"
        ),
        Command(
            argv=(
                SYFT,
                "scan",
                f"dir:{SBOM_SITE}",
                "--quiet",
                "-o",
                f"cyclonedx-json={DIST_DIR}/{SBOM_JSON}",
            ),
            may_fail=True,
            label="syft",
        ),
    )
    env = {
        "UV_CACHE_DIR": UV_CACHE.path,
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_LINK_MODE": "copy",
        "UV_NO_PROGRESS": "1",
        "NO_COLOR": "1",
        "COLUMNS": "200",  # rich (twine) wraps its messages at the terminal width
        "PYTHONDONTWRITEBYTECODE": "1",
        "SYFT_CHECK_FOR_APP_UPDATE": "false",
        # `python -m build --installer uv` looks for `uv` on PATH; the tool lives in its own folder
        "PATH": f"{posixpath.dirname(install.UV)}:{IMAGE_PATH}",
        **(dict(built_as.env) if built_as is not None else {}),
        **stamp_env(git),
    }
    tag = release_tag(git)
    builder = "uv build" if install.installer_for(project) == "uv" else "python -m build"
    return Stage(
        id=PACKAGE_ID,
        group="package",
        description=f"wheel + sdist ({builder}), twine check, check-wheel-contents, SHA256SUMS, SBOM",
        needs=(),
        # everything a backend may put in an sdist (hatchling takes every file git does not ignore)
        inputs=SourceFilter(include=("**",), exclude=ALWAYS_EXCLUDED),
        action=ContainerStep(
            image=python_image(project, version),
            commands=commands,
            env=env,
            caches=(UV_CACHE,),
            tools=(tool_binary(project, "uv", install.UV), tool_binary(project, "syft", SYFT)),
        ),
        evaluate=EvaluatePackage(
            release_tag=tag,
            ref=git.ref or "",
            reproducible=None if "SOURCE_DATE_EPOCH" in env else "not a git commit: no SOURCE_DATE_EPOCH",
            version_problem=built_as.problem if built_as is not None else None,
        ),
        outputs=(DIST, TWINE_TXT, WHEEL_CONTENTS_TXT),
        params={"python": version, "tools": ",".join(PACKAGE_TOOLS), "release_tag": tag},
        not_applicable=None
        if backend
        else "no [build-system] build-backend in pyproject.toml (and no setup.py)",
    )
