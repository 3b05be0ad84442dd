"""`shipyard serve`: the run-history web service (needs the `serve` extra)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import click

from shipyard.errors import ConfigError

DEFAULT_DATA_DIR = Path("~/.local/share/shipyard")


EXTRA = ("alembic", "sqlalchemy", "starlette", "uvicorn")


def _require_extra() -> None:
    missing = [name for name in EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"shipyard serve needs the `serve` extra ({', '.join(missing)} not installed)",
            fix="pip install 'shipyard[serve]' (or uv sync --extra serve)",
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="Port.")
@click.option(
    "--database-url",
    envvar="SHIPYARD_DATABASE_URL",
    help="SQLAlchemy URL, e.g. postgresql+psycopg://user:pw@host/db (default: SQLite in --data-dir). "
    "Env: SHIPYARD_DATABASE_URL.",
)
@click.option(
    "--data-dir",
    envvar="SHIPYARD_DATA_DIR",
    type=click.Path(path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Where the default SQLite database lives. Env: SHIPYARD_DATA_DIR.",
)
@click.option("--migrate", is_flag=True, help="Apply the database migrations and exit.")
@click.option(
    "--regression-margin",
    type=click.FloatRange(0, 10),
    default=0.2,
    show_default=True,
    help="Flag a stage whose latest duration exceeds its recent P95 by more than this fraction.",
)
@click.option(
    "--window", type=click.IntRange(2, 1000), default=20, show_default=True, help="Runs in 'recent'."
)
def command(
    host: str,
    port: int,
    database_url: str | None,
    data_dir: Path,
    migrate: bool,
    regression_margin: float,
    window: int,
) -> None:
    """Serve run history and trends; ingest summaries with POST /api/runs (token: SHIPYARD_SERVE_TOKEN)."""
    _require_extra()
    from shipyard.serve.db import Database  # noqa: PLC0415 - the extra is imported only when serving
    from shipyard.serve.settings import ServeSettings, sqlite_url  # noqa: PLC0415
    from shipyard.serve.stats import Settings  # noqa: PLC0415

    if not database_url:
        data_dir = data_dir.expanduser()
        data_dir.mkdir(parents=True, exist_ok=True)
        database_url = sqlite_url(data_dir)
    database = Database(database_url)
    if migrate:
        database.migrate()
        click.echo(f"shipyard serve: {database.safe_url} is at the newest schema")
        return
    token = os.environ.get("SHIPYARD_SERVE_TOKEN") or None
    settings = ServeSettings(
        database_url=database_url,
        token=token,
        trends=Settings(window=window, margin=regression_margin),
    )
    import uvicorn  # noqa: PLC0415

    from shipyard.serve.app import create_app  # noqa: PLC0415

    if not token:
        click.echo("shipyard serve: SHIPYARD_SERVE_TOKEN is not set: POST /api/runs is disabled", err=True)
    click.echo(f"shipyard serve: {database.safe_url} on http://{host}:{port}", err=True)
    uvicorn.run(create_app(settings, database), host=host, port=port, log_level="warning", access_log=False)
