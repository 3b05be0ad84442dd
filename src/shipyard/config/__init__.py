"""Project configuration: the `[tool.shipyard]` table, validated."""
