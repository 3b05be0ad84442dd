"""Alembic's environment: migrate the connection `shipyard.serve.db` hands over (never a URL of its own)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from shipyard.serve.models import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise TypeError("run migrations through shipyard.serve.db.migrate (`shipyard serve --migrate`)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
