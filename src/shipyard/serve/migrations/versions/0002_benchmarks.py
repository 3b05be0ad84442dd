"""Benchmarks: each bench stage's medians and rounds, for trends and as the next runs' baseline.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the benchmarks table."""
    op.create_table(
        "benchmarks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("fullname", sa.String(1000), nullable=False),
        sa.Column("median", sa.Float, nullable=False),
        sa.Column("rounds", sa.JSON, nullable=False),
    )
    op.create_index("ix_benchmarks_run_id", "benchmarks", ["run_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_table("benchmarks")
