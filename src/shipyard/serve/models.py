"""The database schema (SQLAlchemy Core). Changes to it go through a migration in migrations/versions/."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String(200), nullable=False),
    Column("branch", String(255), nullable=False),
    Column("sha", String(64)),
    Column("dirty", Boolean, nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True)),
    Column("seconds", Float, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("executor", String(40), nullable=False),
    Column("shipyard_version", String(40), nullable=False),
    Column("received", DateTime(timezone=True), nullable=False),
    Column("document", JSON, nullable=False),
    Index("ix_runs_project_started", "project", "started"),
)

stages = Table(
    "stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("stage", String(200), nullable=False),
    Column("grp", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("started_offset", Float),
    Column("digest", String(128), nullable=False),
    Column("summary", Text, nullable=False),
    Column("counts", JSON, nullable=False),
    Index("ix_stages_stage_digest", "stage", "digest"),
)

benchmarks = Table(
    "benchmarks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("stage", String(200), nullable=False),
    Column("name", String(500), nullable=False),
    Column("fullname", String(1000), nullable=False),
    Column("median", Float, nullable=False),
    Column("rounds", JSON, nullable=False),
)
"""Each benchmark a run's bench stage reported: its median (the trend) and rounds (a baseline)."""
