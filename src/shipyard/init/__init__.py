"""`shipyard init`: inspect a project, write the smallest `[tool.shipyard]` table and the CI workflow."""
