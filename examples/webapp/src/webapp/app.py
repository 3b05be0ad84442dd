"""HTTP endpoints and the application factory uvicorn serves (`--factory webapp.app:create_app`)."""

from __future__ import annotations

import os
from typing import Protocol

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from webapp import __version__
from webapp.db import Database


class Store(Protocol):
    """What the endpoints need from the database."""

    def ping(self) -> bool: ...

    def record_visit(self) -> int: ...


def healthz(request: Request) -> PlainTextResponse:
    store: Store | None = request.app.state.store
    if store is None:
        return PlainTextResponse("database not configured", status_code=503)
    if not store.ping():
        return PlainTextResponse("database unreachable", status_code=503)
    return PlainTextResponse("ok")


def hello(request: Request) -> JSONResponse:
    name = request.path_params["name"].strip()
    if not name or len(name) > 64:
        return JSONResponse({"error": "name must be 1 to 64 characters"}, status_code=422)
    return JSONResponse({"greeting": f"Hello, {name}!", "version": __version__})


def visits(request: Request) -> JSONResponse:
    store: Store | None = request.app.state.store
    if store is None:
        return JSONResponse({"error": "database not configured"}, status_code=503)
    return JSONResponse({"visits": store.record_visit()}, status_code=201)


def create_app(store: Store | None = None) -> Starlette:
    """Build the app; without an explicit store, use PostgreSQL at DATABASE_URL when it is set."""
    if store is None and os.environ.get("DATABASE_URL"):
        store = Database(os.environ["DATABASE_URL"])
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/hello/{name}", hello),
            Route("/visits", visits, methods=["POST"]),
        ]
    )
    app.state.store = store
    return app
