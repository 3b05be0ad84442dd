"""Helpers: the serve app against a SQLite file in tmp, and summaries derived from real runs."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from shipyard.serve.app import create_app
from shipyard.serve.settings import ServeSettings

SUMMARIES = Path(__file__).parents[2] / "fixtures" / "summaries"
TOKEN = "test-token-0123456789"  # noqa: S105 - a test token
START = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def real_summary(name: str = "webapp-full.json") -> Any:
    return json.loads((SUMMARIES / name).read_text(encoding="utf-8"))


def variant(
    base: Any,
    *,
    minutes: int = 0,
    ref: str | None = "refs/heads/main",
    seconds: dict[str, float] | None = None,
    status: dict[str, str] | None = None,
    project: str | None = None,
) -> Any:
    """A copy of a real summary started `minutes` after START, with some stages changed."""
    data = copy.deepcopy(base)
    data["started"] = (START + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data["git"]["ref"] = ref
    if project:
        data["project"]["name"] = project
    for stage in data["stages"]:
        if seconds and stage["id"] in seconds:
            stage["seconds"] = seconds[stage["id"]]
            stage["cached"] = False
        if status and stage["id"] in status:
            stage["status"] = status[stage["id"]]
            stage["cached"] = False
    return data


def make_client(
    url: str, *, token: str | None = TOKEN, max_body: int = 1024 * 1024, raise_server_exceptions: bool = True
) -> TestClient:
    app = create_app(ServeSettings(database_url=url, token=token, max_body=max_body))
    return TestClient(app, raise_server_exceptions=raise_server_exceptions)


TOOLS = Path(__file__).parents[2] / "fixtures" / "tools"
LIBRARY = Path(__file__).parents[3] / "examples" / "library"


def bench_summary(
    root: Path, out: Path, report: str, *, minutes: int = 0, ref: str = "refs/heads/main", ok: bool = True
) -> Any:
    """The summary the core writes for a bench run of the library at `root` on a recorded report."""
    from shipyard.config.load import load_project  # noqa: PLC0415 - only the bench tests need the core
    from shipyard.gitinfo import NO_GIT  # noqa: PLC0415
    from shipyard.reports.summary import summary_data  # noqa: PLC0415
    from shipyard.runner import RunState, StageRun  # noqa: PLC0415
    from shipyard.stages.bench import BENCH_ID, bench_stage  # noqa: PLC0415
    from shipyard.stages.outcome import CommandOutcome, StageOutcome  # noqa: PLC0415

    project = load_project(root)
    stage = bench_stage(project)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_bytes((TOOLS / report).read_bytes())
    ran = CommandOutcome(label="bench", argv=("python", "-m", "pytest"), exit_code=0, output_tail="")
    result = stage.evaluate(StageOutcome(stage_id=BENCH_ID, out_dir=out, commands=(ran,)))
    state = RunState(runs={BENCH_ID: StageRun(stage=stage, digest="d", result=result)})
    data: Any = summary_data(state, project=project, git=NO_GIT, executor="docker", stand_ins=[])
    data["started"] = (START + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data["git"]["ref"] = ref
    data["ok"] = ok
    return data
