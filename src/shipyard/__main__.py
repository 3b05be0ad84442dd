"""`python -m shipyard`: the CLI."""

from shipyard.cli import main

main()
