"""The `shipyard` command line: run, plan, debug, engine bootstrap."""

from __future__ import annotations

from shipyard.cli.app import main

__all__ = ["main"]
