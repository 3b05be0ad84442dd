"""The Starlette application: ingest, health, history pages and their JSON."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
from typing import TYPE_CHECKING, cast

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from shipyard.serve import bench_views, views
from shipyard.serve.benchmarks import bench_trends
from shipyard.serve.db import Database, DatabaseUnavailableError
from shipyard.serve.schema import NAME_PATTERN, SummaryIn
from shipyard.serve.stats import project_stats

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from starlette.requests import Request

    from shipyard.serve.settings import ServeSettings
    from shipyard.serve.stats import ProjectStats

log = logging.getLogger("shipyard.serve")
MAX_BRANCH, MAX_STAGE = 255, 200
"""The longest branch and stage id the database keeps (models.py)."""


class _TooLargeError(Exception):
    pass


def _db(request: Request) -> Database:
    return cast("Database", request.app.state.db)


def _settings(request: Request) -> ServeSettings:
    return cast("ServeSettings", request.app.state.settings)


def _error(status: int, message: str, **extra: object) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it grows past `limit` (never buffered beyond it)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLargeError
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _TooLargeError
    return bytes(body)


def _refused(request: Request, token: str | None) -> Response | None:
    """A 403/401 response unless the request carries the configured bearer token."""
    if not token:
        return _error(403, "ingest is disabled: start shipyard serve with SHIPYARD_SERVE_TOKEN set")
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
        return None
    return JSONResponse(
        {"error": "missing or wrong bearer token (Authorization: Bearer $SHIPYARD_SERVE_TOKEN)"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _parse(body: bytes) -> tuple[SummaryIn, dict[str, object]] | Response:
    """The validated summary and the raw document, or a 422 saying why not."""
    try:
        document: object = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return _error(422, f"not JSON: {exc}")
    if not isinstance(document, dict):
        return _error(422, "a summary is a JSON object")
    try:
        summary = SummaryIn.model_validate(document)
    except ValidationError as exc:
        reasons = [
            {"loc": ".".join(str(p) for p in err["loc"]), "msg": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_input=False)[:20]
        ]
        return _error(422, "not a shipyard.summary/v1 document", details=reasons)
    return summary, cast("dict[str, object]", document)


async def ingest(request: Request) -> Response:
    """POST /api/runs: store one summary.json (auth, then size, then validation, then one transaction)."""
    settings = _settings(request)
    refused = _refused(request, settings.token)
    if refused is not None:
        return refused
    try:
        body = await _read_limited(request, settings.max_body)
    except _TooLargeError:
        return _error(413, f"summary larger than {settings.max_body} bytes")
    parsed = _parse(body)
    if isinstance(parsed, Response):
        return parsed
    summary, document = parsed
    run_id = await run_in_threadpool(_db(request).add_run, summary, document)
    name = summary.project.name
    return JSONResponse({"id": run_id, "project": name, "url": f"/projects/{name}"}, status_code=201)


async def healthz(request: Request) -> Response:
    """GET /healthz: `ok` when the database answers, 503 otherwise."""
    try:
        await run_in_threadpool(_db(request).ping)
    except DatabaseUnavailableError as exc:
        return PlainTextResponse(f"database unavailable: {exc.message}\n", status_code=503)
    return PlainTextResponse("ok\n")


async def index(request: Request) -> Response:
    """GET /: the projects."""
    return HTMLResponse(views.index_page(await run_in_threadpool(_db(request).projects)))


async def api_projects(request: Request) -> Response:
    """GET /api/projects: the projects as JSON."""
    return JSONResponse({"projects": await run_in_threadpool(_db(request).projects)})


async def _stats(request: Request) -> tuple[str, ProjectStats | None]:
    name = str(request.path_params["name"])
    if not re.fullmatch(NAME_PATTERN, name):
        return name, None
    settings = _settings(request)
    runs = await run_in_threadpool(_db(request).history, name, limit=settings.history_limit)
    return name, project_stats(name, runs, settings.trends) if runs else None


async def project(request: Request) -> Response:
    """GET /projects/{name}: the history page."""
    name, stats = await _stats(request)
    if stats is None:
        return HTMLResponse(views.message_page("not found", f"no runs of {name}"), status_code=404)
    return HTMLResponse(views.project_page(stats))


async def api_stats(request: Request) -> Response:
    """GET /api/projects/{name}/stats: the history page's numbers."""
    name, stats = await _stats(request)
    if stats is None:
        return _error(404, f"no runs of {name}")
    return JSONResponse(stats.as_json())


def _name(request: Request) -> str | None:
    name = str(request.path_params["name"])
    return name if re.fullmatch(NAME_PATTERN, name) else None


async def api_baseline(request: Request) -> Response:
    """GET /api/projects/{name}/baseline?branch=main&stage=bench: the last green run's benchmarks."""
    name = _name(request)
    branch = request.query_params.get("branch", "main")
    stage = request.query_params.get("stage", "bench")
    if name is None or not 0 < len(branch) <= MAX_BRANCH or not 0 < len(stage) <= MAX_STAGE:
        return _error(400, "a project name, ?branch=<branch> and ?stage=<stage id> are needed")
    record = await run_in_threadpool(_db(request).baseline, name, branch=branch, stage=stage)
    if record is None:
        return _error(404, f"no green run of {name} on {branch} with {stage} benchmarks yet")
    return JSONResponse(record.as_json(project=name, branch=branch, stage=stage))


async def bench_page(request: Request) -> Response:
    """GET /projects/{name}/benchmarks: each benchmark's median over runs, per branch."""
    name = _name(request)
    if name is None:
        return HTMLResponse(views.message_page("not found", "not a project name"), status_code=404)
    points = await run_in_threadpool(_db(request).medians, name, limit=_settings(request).history_limit)
    return HTMLResponse(bench_views.bench_page(name, bench_trends(points)))


async def unavailable(request: Request, exc: Exception) -> Response:
    """Any request that needed the database while it is down: 503, and the service stays up."""
    message = exc.one_line() if isinstance(exc, DatabaseUnavailableError) else str(exc)
    log.warning("503 for %s %s: %s", request.method, request.url.path, message)
    if request.url.path.startswith("/api/"):
        return _error(503, message)
    return HTMLResponse(views.message_page("database unavailable", message), status_code=503)


def create_app(settings: ServeSettings, database: Database | None = None) -> Starlette:
    """The app over `database` (default: one for `settings.database_url`)."""
    db = database or Database(settings.database_url)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None]:
        try:
            await run_in_threadpool(db.migrate)
        except DatabaseUnavailableError as exc:
            log.warning("starting without a database (migrations run on the first request): %s", exc)
        yield
        db.engine.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/", index),
            Route("/projects/{name}", project),
            Route("/projects/{name}/benchmarks", bench_page),
            Route("/api/runs", ingest, methods=["POST"]),
            Route("/api/projects", api_projects),
            Route("/api/projects/{name}/stats", api_stats),
            Route("/api/projects/{name}/baseline", api_baseline),
        ],
        exception_handlers={DatabaseUnavailableError: unavailable},
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    return app
