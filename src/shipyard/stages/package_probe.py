"""The package stage's helper inside its containers: seal the distributions, install and import them.

Both executors run this file's source with `python -c` in the stage's Python container (as the
compose probe is run), so it imports the standard library only and runs on every Python of the
matrix. It records facts — checksums, the commit stamp, exit codes and the last lines of output —
and decides nothing: the package stage's evaluate functions judge what it wrote.

Usage as a script:
- `seal DIST`: write DIST/SHA256SUMS over the distributions and DIST/stamp.json (the commit from
  SHIPYARD_COMMIT, SHIPYARD_REF, SHIPYARD_COMMITTED, SOURCE_DATE_EPOCH); exit 1 when there is none.
- `install UV DIST TARGET`: install every wheel of DIST and its dependencies into TARGET (what the
  SBOM is made from).
- `smoke UV DIST REPORT`: install each wheel of DIST into a fresh venv of this Python and import
  every top-level module it holds, from `/` in isolated mode (no source tree on the path); write
  the facts to REPORT as JSON; exit 0 whatever happened.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHECKSUMS = "SHA256SUMS"
STAMP = "stamp.json"
TAIL = 40
"""Lines of a command's output kept in the report."""


def distributions(dist: Path) -> list[Path]:
    """The wheels and sdists in `dist`, sorted by name."""
    found = [p for p in dist.iterdir() if p.is_file() and p.name.endswith((".whl", ".tar.gz"))]
    return sorted(found, key=lambda p: p.name)


def wheels(dist: Path) -> list[Path]:
    """The wheels in `dist`, sorted by name."""
    return [p for p in distributions(dist) if p.name.endswith(".whl")]


def sha256(path: Path) -> str:
    """The hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def seal(dist: Path) -> int:
    """Write SHA256SUMS and the commit stamp beside the distributions."""
    if not dist.is_dir() or not distributions(dist):
        sys.stderr.write(f"no distributions in {dist}\n")
        return 1
    files = {p.name: sha256(p) for p in distributions(dist)}
    (dist / CHECKSUMS).write_text("".join(f"{d}  {n}\n" for n, d in files.items()), encoding="utf-8")
    name, version = wheel_name_version(next((n for n in files if n.endswith(".whl")), ""))
    stamp = {
        "schema": "shipyard.stamp/v1",
        "name": name,
        "version": version,
        "commit": os.environ.get("SHIPYARD_COMMIT", ""),
        "ref": os.environ.get("SHIPYARD_REF", ""),
        "committed": os.environ.get("SHIPYARD_COMMITTED", ""),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
        "files": files,
    }
    (dist / STAMP).write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"sealed {', '.join(files)}\n")
    return 0


def wheel_name_version(filename: str) -> tuple[str, str]:
    """The distribution name and version a wheel's file name carries (empty when not a wheel)."""
    parts = filename.removesuffix(".whl").split("-")
    return (parts[0], parts[1]) if filename.endswith(".whl") and len(parts) >= 5 else ("", "")  # noqa: PLR2004


def top_level(wheel: Path) -> list[str]:
    """The importable top-level names a wheel installs (packages and modules, not its metadata)."""
    names: set[str] = set()
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            first, _, rest = member.partition("/")
            if first.endswith((".dist-info", ".data")) or first == "__pycache__":
                continue
            name = first if rest else first.split(".", 1)[0] if first.endswith((".py", ".so", ".pyd")) else ""
            if name.isidentifier():
                names.add(name)
    return sorted(names)


def run(argv: list[str]) -> dict[str, object]:
    """Run a command from `/`; its exit code and the last lines of its combined output."""
    done = subprocess.run(argv, cwd="/", capture_output=True, text=True, check=False)
    lines = (done.stdout + done.stderr).splitlines()
    return {"argv": argv, "exit_code": done.returncode, "output": "\n".join(lines[-TAIL:])}


def install(uv: str, dist: Path, target: Path) -> int:
    """Install every wheel of `dist` with its dependencies into `target`."""
    found = wheels(dist) if dist.is_dir() else []
    if not found:
        sys.stderr.write(f"no wheel in {dist}\n")
        return 1
    done = run([uv, "pip", "install", "--python", sys.executable, "--target", str(target), *map(str, found)])
    sys.stdout.write(f"{done['output']}\n")
    return int(str(done["exit_code"]))


def smoke(uv: str, dist: Path, report: Path) -> int:
    """Install each wheel into a fresh venv and import its top-level names; write the facts."""
    results: list[dict[str, object]] = []
    for wheel in wheels(dist) if dist.is_dir() else []:
        venv = Path(tempfile.mkdtemp(prefix="shipyard-smoke-")) / "venv"
        created = run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
        python = str(venv / "bin" / "python")
        installed = (
            run([uv, "pip", "install", "--python", python, str(wheel)])
            if created["exit_code"] == 0
            else created
        )
        names = top_level(wheel)
        imports = (
            [{"name": n, **run([python, "-I", "-c", f"import {n}"])} for n in names]
            if installed["exit_code"] == 0
            else []
        )
        results.append({"file": wheel.name, "top_level": names, "install": installed, "imports": imports})
    data = {"python": platform.python_version(), "dist": str(dist), "wheels": results}
    report.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(data, indent=2) + "\n")
    return 0


def main(argv: list[str]) -> int:
    """Dispatch a subcommand (see the module docstring)."""
    if argv[:1] == ["seal"] and len(argv) == 2:  # noqa: PLR2004
        return seal(Path(argv[1]))
    if argv[:1] == ["install"] and len(argv) == 4:  # noqa: PLR2004
        return install(argv[1], Path(argv[2]), Path(argv[3]))
    if argv[:1] == ["smoke"] and len(argv) == 4:  # noqa: PLR2004
        return smoke(argv[1], Path(argv[2]), Path(argv[3]))
    sys.stderr.write(f"usage: seal DIST | install UV DIST TARGET | smoke UV DIST REPORT (got {argv})\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
