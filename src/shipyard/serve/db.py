"""The run-history database: connect, migrate, store a run in one transaction, read history back.

SQLite (a file, zero set-up) by default; PostgreSQL through `postgresql+psycopg://...`. Every failure
to reach the database becomes `DatabaseUnavailableError`, which the web layer answers with 503.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from shipyard.errors import ShipyardError
from shipyard.serve.benchmarks import BaselineRecord, BenchmarkRecord, MedianPoint
from shipyard.serve.models import benchmarks, runs, stages
from shipyard.serve.stats import RunRecord, StageRecord

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from shipyard.serve.schema import SummaryIn

MIGRATIONS = "shipyard.serve:migrations"
DOWN = (OperationalError, InterfaceError, PoolTimeoutError)
"""Errors that mean the database cannot be reached or written (others are bugs: a 500)."""


class DatabaseUnavailableError(ShipyardError):
    """The database does not answer (down, unreachable, unwritable)."""

    exit_code = 8


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # pyright: ignore[reportAttributeAccessIssue, reportUnknownVariableType]
    cursor.execute("PRAGMA journal_mode=WAL")  # pyright: ignore[reportUnknownMemberType]
    cursor.execute("PRAGMA synchronous=NORMAL")  # pyright: ignore[reportUnknownMemberType]
    cursor.execute("PRAGMA foreign_keys=ON")  # pyright: ignore[reportUnknownMemberType]
    cursor.close()  # pyright: ignore[reportUnknownMemberType]


def make_engine(url: str) -> Engine:
    """An engine that fails fast when the database is down and recovers when it is back."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, pool_pre_ping=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args={"connect_timeout": 5}
    )


class Database:
    """One database: migrated once, before the first request that needs it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._migrated = False
        self._lock = threading.Lock()

    @property
    def safe_url(self) -> str:
        """The database URL without its password."""
        return safe_url(self.url)

    def _unavailable(self, exc: Exception) -> DatabaseUnavailableError:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return DatabaseUnavailableError(
            f"the database at {safe_url(self.url)} does not answer: {reason}",
            fix="start the database (or fix --database-url / SHIPYARD_DATABASE_URL); "
            "shipyard serve retries on the next request",
        )

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        try:
            with self.engine.begin() as connection:
                config = Config()
                config.set_main_option("script_location", MIGRATIONS)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except DOWN as exc:
            raise self._unavailable(exc) from exc
        self._migrated = True

    def ready(self) -> None:
        """Migrate if that has not happened yet; raise DatabaseUnavailableError when the DB is down."""
        if self._migrated:
            return
        with self._lock:
            if not self._migrated:
                self.migrate()

    def ping(self) -> None:
        """Answer only when the database does (and is migrated)."""
        self.ready()
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DOWN as exc:
            raise self._unavailable(exc) from exc

    def add_run(self, summary: SummaryIn, document: dict[str, object]) -> int:
        """Store one run and its stages in one transaction; return the run's id."""
        self.ready()
        try:
            with self.engine.begin() as connection:
                return _insert(connection, summary, document)
        except DOWN as exc:
            raise self._unavailable(exc) from exc

    def projects(self) -> list[dict[str, object]]:
        """Every project: its run count, last run, last verdict."""
        self.ready()
        query = (
            select(
                runs.c.project,
                func.count().label("runs"),
                func.max(runs.c.started).label("last"),
                func.count(runs.c.branch.distinct()).label("branches"),
            )
            .group_by(runs.c.project)
            .order_by(runs.c.project)
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
                latest = {
                    row.project: bool(row.ok)
                    for row in connection.execute(
                        select(runs.c.project, runs.c.ok).where(
                            runs.c.id.in_(select(func.max(runs.c.id)).group_by(runs.c.project))
                        )
                    )
                }
        except DOWN as exc:
            raise self._unavailable(exc) from exc
        return [
            {
                "name": row.project,
                "runs": row.runs,
                "branches": row.branches,
                "last_run": _aware(row.last).isoformat(),
                "last_ok": latest.get(row.project),
            }
            for row in rows
        ]

    def history(self, project: str, *, limit: int = 500) -> list[RunRecord]:
        """The project's latest `limit` runs with their stages, oldest first."""
        self.ready()
        recent = (
            select(runs.c.id, runs.c.branch, runs.c.sha, runs.c.started, runs.c.seconds, runs.c.ok)
            .where(runs.c.project == project)
            .order_by(runs.c.started.desc(), runs.c.id.desc())
            .limit(limit)
        )
        try:
            with self.engine.connect() as connection:
                run_rows = connection.execute(recent).all()
                ids = [row.id for row in run_rows]
                stage_rows = connection.execute(
                    select(stages).where(stages.c.run_id.in_(ids)).order_by(stages.c.id)
                ).all()
        except DOWN as exc:
            raise self._unavailable(exc) from exc
        per_run: dict[int, list[StageRecord]] = {}
        for row in stage_rows:
            per_run.setdefault(row.run_id, []).append(
                StageRecord(
                    stage=row.stage,
                    group=row.grp,
                    status=row.status,
                    cached=bool(row.cached),
                    seconds=float(row.seconds),
                    digest=row.digest,
                    counts=cast("dict[str, object]", row.counts or {}),
                )
            )
        return [
            RunRecord(
                id=row.id,
                branch=row.branch,
                sha=row.sha,
                started=_aware(row.started),
                seconds=float(row.seconds),
                ok=bool(row.ok),
                stages=tuple(per_run.get(row.id, [])),
            )
            for row in reversed(run_rows)
        ]

    def baseline(self, project: str, *, branch: str, stage: str) -> BaselineRecord | None:
        """The benchmarks of `stage` in the project's last green run on `branch` that has them."""
        self.ready()
        with_benchmarks = select(benchmarks.c.run_id).where(benchmarks.c.stage == stage)
        passed = select(stages.c.run_id).where(stages.c.stage == stage, stages.c.status == "passed")
        last = (
            select(runs.c.id, runs.c.sha, runs.c.started)
            .where(
                runs.c.project == project,
                runs.c.branch == branch,
                runs.c.ok.is_(True),
                runs.c.id.in_(with_benchmarks),
                runs.c.id.in_(passed),
            )
            .order_by(runs.c.started.desc(), runs.c.id.desc())
            .limit(1)
        )
        try:
            with self.engine.connect() as connection:
                run = connection.execute(last).first()
                if run is None:
                    return None
                rows = connection.execute(
                    select(benchmarks)
                    .where(benchmarks.c.run_id == run.id, benchmarks.c.stage == stage)
                    .order_by(benchmarks.c.id)
                ).all()
        except DOWN as exc:
            raise self._unavailable(exc) from exc
        return BaselineRecord(
            run_id=run.id,
            sha=run.sha,
            started=_aware(run.started),
            benchmarks=tuple(
                BenchmarkRecord(
                    name=row.name,
                    fullname=row.fullname,
                    median=float(row.median),
                    rounds=tuple(float(v) for v in cast("list[float]", row.rounds or [])),
                )
                for row in rows
            ),
        )

    def medians(self, project: str, *, limit: int = 500) -> list[MedianPoint]:
        """Every benchmark's median in the project's latest `limit` runs that have benchmarks."""
        self.ready()
        recent = (
            select(runs.c.id)
            .where(runs.c.project == project, runs.c.id.in_(select(benchmarks.c.run_id)))
            .order_by(runs.c.started.desc(), runs.c.id.desc())
            .limit(limit)
        )
        query = (
            select(
                runs.c.id,
                runs.c.branch,
                runs.c.started,
                benchmarks.c.name,
                benchmarks.c.fullname,
                benchmarks.c.median,
            )
            .join(benchmarks, benchmarks.c.run_id == runs.c.id)
            .where(runs.c.id.in_(recent))
            .order_by(runs.c.started, runs.c.id, benchmarks.c.id)
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except DOWN as exc:
            raise self._unavailable(exc) from exc
        return [
            MedianPoint(
                run_id=row.id,
                branch=row.branch,
                started=_aware(row.started),
                name=row.name,
                fullname=row.fullname,
                median=float(row.median),
            )
            for row in rows
        ]


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Stored as UTC (SQLite keeps no offset): a naive time is taken to be UTC already."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.timezone.utc)


def _insert(connection: Connection, summary: SummaryIn, document: dict[str, object]) -> int:
    result = connection.execute(
        insert(runs).values(
            project=summary.project.name,
            branch=summary.branch,
            sha=summary.git.sha,
            dirty=summary.git.dirty,
            started=_utc(summary.started),
            finished=_utc(summary.finished),
            seconds=summary.seconds,
            ok=summary.ok,
            executor=summary.executor,
            shipyard_version=summary.shipyard,
            received=dt.datetime.now(dt.timezone.utc),
            document=document,
        )
    )
    run_id = cast("int", result.inserted_primary_key[0])  # pyright: ignore[reportOptionalSubscript]
    if summary.stages:
        connection.execute(
            insert(stages),
            [
                {
                    "run_id": run_id,
                    "stage": stage.id,
                    "grp": stage.group,
                    "status": stage.status,
                    "cached": stage.cached,
                    "seconds": stage.seconds,
                    "started_offset": stage.started_offset,
                    "digest": stage.digest,
                    "summary": stage.summary,
                    "counts": dict(stage.counts),
                }
                for stage in summary.stages
            ],
        )
    measured = [
        {
            "run_id": run_id,
            "stage": stage.id,
            "name": bench.name,
            "fullname": bench.fullname,
            "median": bench.median,
            "rounds": list(bench.rounds),
        }
        for stage in summary.stages
        for bench in stage.benchmarks
    ]
    if measured:
        connection.execute(insert(benchmarks), measured)
    return run_id
