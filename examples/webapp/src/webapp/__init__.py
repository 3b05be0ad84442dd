"""A small Starlette service backed by PostgreSQL."""

__version__ = "0.3.1"
