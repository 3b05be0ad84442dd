"""`python -m shipyard.bootstrap`."""

from shipyard.bootstrap.cli import main

raise SystemExit(main())
