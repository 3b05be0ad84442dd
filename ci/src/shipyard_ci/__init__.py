"""shipyard: containerized pipeline-as-code for Python projects.

Lint, test on every Python version of the matrix, build multi-arch images, make SBOMs, scan,
test the compose stack and publish signed images, as configured in the project's
[tool.shipyard] table. The same pipeline graph runs on plain Docker with `shipyard run`.
"""

from shipyard_ci.main import Shipyard as Shipyard
