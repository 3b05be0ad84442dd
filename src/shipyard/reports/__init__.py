"""Reports written from parsed tool output: SARIF, checksums, image tags and labels."""
