"""Run a BuildStep: `docker buildx build` for one platform, loaded into the engine, saved as a tarball."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docker.errors

from shipyard.errors import EngineError
from shipyard.stages.build import IMAGE_TAR, METADATA_JSON
from shipyard.stages.outcome import CommandOutcome, StageOutcome
from shipyard.stages.spec import LOG_FILE, TAIL_LINES

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from shipyard.executor import StepContext
    from shipyard.stages.spec import BuildStep, Stage


def buildx_argv(step: BuildStep, context: StepContext, tree: Path) -> list[str]:
    """The buildx command line for a build step (no secrets: build args are recorded in the image).

    `tree` holds exactly the files the core selected for the stage (see `selected_tree`).
    """
    argv = [
        "docker",
        "buildx",
        "build",
        "--progress=plain",
        f"--platform={step.platform}",
        f"--file={tree / step.dockerfile}",
        f"--tag={step.tag}",
        f"--metadata-file={context.out_dir / 'buildx-metadata.json'}",
        "--load",
    ]
    if step.target:
        argv.append(f"--target={step.target}")
    for key, value in sorted(step.build_args.items()):
        argv.append(f"--build-arg={key}={value}")
    for key, value in sorted(step.labels.items()):
        argv.append(f"--label={key}={value}")
    argv.append(str(tree / step.context))
    return argv


@contextlib.contextmanager
def selected_tree(context: StepContext) -> Generator[Path]:
    """The stage's files (and only those) in a scratch directory: the build context buildx sends.

    So the build reads exactly what the stage's digest covers (a git-ignored file it would read
    from the project directory is not there), and sees what the Dagger executor's build sees.
    """
    with tempfile.TemporaryDirectory(prefix="shipyard-context-") as scratch:
        tree = Path(scratch)
        for relative in context.files:
            source, target = context.root / relative, tree / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                target.symlink_to(source.readlink())
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
        yield tree


def run_build(client: Any, stage: Stage, step: BuildStep, context: StepContext) -> StageOutcome:
    """Build, load, save the tarball and record the image's facts."""
    log_path = context.out_dir / LOG_FILE
    started = time.monotonic()
    with log_path.open("a", encoding="utf-8") as log, selected_tree(context) as tree:

        def emit(line: str) -> None:
            log.write(line + "\n")
            context.log(line)

        argv = buildx_argv(step, context, tree)
        code, tail = _stream(argv, emit)
    outcome = CommandOutcome(label="buildx", argv=tuple(argv), exit_code=code, output_tail="\n".join(tail))
    if code != 0:
        return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(outcome,))
    image = client.images.get(step.tag)
    with (context.out_dir / IMAGE_TAR).open("wb") as handle:
        for chunk in image.save(named=True):
            handle.write(chunk)
    attrs: dict[str, Any] = image.attrs
    config: dict[str, Any] = attrs.get("Config") or {}
    labels_found: dict[str, str] = config.get("Labels") or {}
    metadata: dict[str, str] = {
        "tag": step.tag,
        "platform": step.platform,
        "image_id": str(attrs.get("Id", "")),
        "size": str(attrs.get("Size", 0)),
        "architecture": str(attrs.get("Architecture", "")),
        "user": str(config.get("User") or ""),
        "seconds": f"{time.monotonic() - started:.1f}",
        **{f"label:{k}": str(v) for k, v in labels_found.items()},
    }
    (context.out_dir / METADATA_JSON).write_text(
        json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8"
    )
    return StageOutcome(stage_id=stage.id, out_dir=context.out_dir, commands=(outcome,), metadata=metadata)


def ensure_loaded(client: Any, tag: str, tarball: Path) -> None:
    """Load `tarball` when the engine has no image `tag` (a cached build on a pruned engine)."""
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        if not tarball.is_file():
            raise EngineError(
                f"the cached build of {tag} has no {tarball.name}", fix="re-run with --no-cache"
            ) from None
        with tarball.open("rb") as handle:
            client.images.load(handle)


def _stream(argv: list[str], emit: Callable[[str], None]) -> tuple[int, list[str]]:
    emit("$ " + " ".join(argv))
    tail: list[str] = []
    try:
        with subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as proc:
            assert proc.stdout is not None  # noqa: S101 - stdout=PIPE guarantees it
            for raw in proc.stdout:
                line = raw.rstrip("\n")
                emit(line)
                tail = [*tail[-TAIL_LINES + 1 :], line]
            code = proc.wait()
    except FileNotFoundError as exc:
        raise EngineError(
            "the docker CLI is not installed", fix="install docker-cli and docker-buildx"
        ) from exc
    emit(f"[exit {code}]")
    return code, tail
