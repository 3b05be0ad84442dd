"""Alembic migrations of the run-history database (script_location `shipyard.serve:migrations`)."""
