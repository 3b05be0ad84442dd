"""The Docker executor: stage actions translated to a plain Docker Engine (docker SDK, buildx, compose)."""
