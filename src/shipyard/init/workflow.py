"""The GitHub workflow `shipyard init` writes, and the Dagger toolchain line it prints.

The workflow is the one-job workflow README.md documents ("The workflow to copy"): this
repository's own `.github/workflows/ci.yml` with `dagger call` → `dagger call shipyard`. Tests
check the text below against both, so the three cannot drift apart.
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import cast

DAGGER_VERSION = "v0.21.11"
"""The Dagger CLI the workflow installs: the module's `engineVersion` in dagger.json."""
TOOLCHAIN_PLACEHOLDER = "github.com/<org>/shipyard@<commit>"
"""What the toolchain line says when the installed shipyard does not record where it came from."""

HEADER = """\
# Written by `shipyard init`: the one-job workflow of shipyard's README. The pipeline runs in Dagger
# (the shipyard toolchain in dagger.json); reports are uploaded also when a gate fails; publishing
# runs on main and on v* tags only. Actions are pinned by full commit sha:
#   actions/checkout v7.0.1, dagger/dagger-for-github v8.4.1,
#   github/codeql-action/upload-sarif v4.36.2, mikepenz/action-junit-report v6.4.2
"""

GATES = 'python3 -c \'import json, sys; sys.exit(0 if json.load(open("reports/summary.json"))["ok"] else 1)\''
"""The Gates step: the job fails when summary.json says a gate failed (after the reports are uploaded)."""

BODY = f"""\
name: ci
on:
  push:
    branches: [main]
    tags: ["v*"]
  pull_request:
permissions: {{}}
jobs:
  pipeline:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
      checks: write
      packages: write
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77 # v8.4.1
        with:
          version: "{DAGGER_VERSION}"
      - id: commit
        run: echo "time=$(git log -1 --format=%cI)" >> "$GITHUB_OUTPUT"
      - env:
          COMMITTED: ${{{{ steps.commit.outputs.time }}}}
        run: >-
          dagger call shipyard --commit="$GITHUB_SHA" --ref="$GITHUB_REF" --committed="$COMMITTED"
          ci --tier=full export --path=reports
      - if: always()
        run: cat reports/summary.md >> "$GITHUB_STEP_SUMMARY"
      - if: always()
        uses: github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2
        with:
          sarif_file: reports/shipyard.sarif
      - if: always()
        uses: mikepenz/action-junit-report@d9f48fc87bc235f7e214acf696ca5abc0a986f16 # v6.4.2
        with:
          report_paths: reports/test-*/junit.xml
      - run: {GATES}
      - if: github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v')
        env:
          COMMITTED: ${{{{ steps.commit.outputs.time }}}}
          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
          COSIGN_KEY: ${{{{ secrets.COSIGN_KEY }}}}
          COSIGN_PASSWORD: ${{{{ secrets.COSIGN_PASSWORD }}}}
        run: >-
          dagger call shipyard --commit="$GITHUB_SHA" --ref="$GITHUB_REF" --committed="$COMMITTED"
          publish --username="$GITHUB_ACTOR" --password=env://GITHUB_TOKEN
          --cosign-key=env://COSIGN_KEY --cosign-password=env://COSIGN_PASSWORD
"""
"""The workflow exactly as README.md shows it."""

WORKFLOW_PATH = ".github/workflows/ci.yml"


def workflow_text() -> str:
    """The `.github/workflows/ci.yml` init writes."""
    return HEADER + BODY


def toolchain_module(direct_url: str | None) -> str:
    """`github.com/owner/shipyard@<sha>` from the installed distribution's direct_url.json (PEP 610).

    A shipyard installed from a GitHub URL records the repository and the commit it was built
    from; any other install (a wheel, a local path) gives the README's placeholder.
    """
    if direct_url is None:
        return TOOLCHAIN_PLACEHOLDER
    try:
        data = cast("dict[str, object]", json.loads(direct_url))
    except json.JSONDecodeError:
        return TOOLCHAIN_PLACEHOLDER
    url = data.get("url")
    vcs = data.get("vcs_info")
    commit = cast("dict[str, object]", vcs).get("commit_id") if isinstance(vcs, dict) else None
    if not isinstance(url, str) or not isinstance(commit, str) or "github.com/" not in url:
        return TOOLCHAIN_PLACEHOLDER
    repository = url.split("github.com/", 1)[1].removesuffix("/").removesuffix(".git")
    return f"github.com/{repository}@{commit}"


def toolchain_commands(*, has_dagger_json: bool) -> tuple[str, ...]:
    """The commands that install shipyard as the project's Dagger toolchain (printed, never run)."""
    try:
        direct_url = metadata.distribution("shipyard").read_text("direct_url.json")
    except metadata.PackageNotFoundError:  # pragma: no cover - shipyard runs from an install
        direct_url = None
    install = f"dagger toolchain install {toolchain_module(direct_url)}"
    return (install,) if has_dagger_json else ("dagger init", install)
