"""The ingest contract: a `shipyard.summary/v1` document, validated before anything is written."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"
"""A project name as it appears in URLs (a Python distribution name)."""

Status = Literal["passed", "failed", "error", "skipped", "n/a", "interrupted"]


class _Model(BaseModel):
    # extra keys are ignored, not refused: a newer shipyard may add keys to the v1 summary
    model_config = ConfigDict(frozen=True, extra="ignore")


class ProjectIn(_Model):
    """The project a run was for."""

    name: str = Field(pattern=NAME_PATTERN)
    version: str = Field(default="", max_length=100)


class GitIn(_Model):
    """The commit a run was of."""

    sha: str | None = Field(default=None, max_length=64)
    ref: str | None = Field(default=None, max_length=255)
    dirty: bool = False


class BenchmarkIn(_Model):
    """One benchmark of a bench stage: its median and rounds, seconds per iteration."""

    name: str = Field(min_length=1, max_length=500)
    fullname: str = Field(default="", max_length=1000)
    median: float = Field(ge=0)
    rounds: list[float] = Field(default_factory=list[float], max_length=10_000)


class StageIn(_Model):
    """One stage's verdict and numbers."""

    id: str = Field(min_length=1, max_length=200)
    group: str = Field(default="", max_length=40)
    status: Status
    summary: str = Field(default="", max_length=10_000)
    counts: dict[str, int | float | str] = Field(default_factory=dict[str, int | float | str])
    cached: bool = False
    seconds: float = Field(ge=0)
    started_offset: float | None = Field(default=None, ge=0)
    digest: str = Field(default="", max_length=128)
    benchmarks: list[BenchmarkIn] = Field(default_factory=list["BenchmarkIn"], max_length=1000)
    """A bench stage's benchmarks (older summaries have none)."""


class SummaryIn(_Model):
    """A whole run, as `shipyard run` writes it to summary.json."""

    schema_: Literal["shipyard.summary/v1"] = Field(alias="schema")
    shipyard: str = Field(default="", max_length=40)
    executor: str = Field(default="", max_length=40)
    project: ProjectIn
    git: GitIn = GitIn()
    started: dt.datetime
    finished: dt.datetime | None = None
    seconds: float = Field(ge=0)
    ok: bool
    stages: list[StageIn] = Field(max_length=1000)

    @property
    def branch(self) -> str:
        """The branch (or tag) the run was on; `(detached)` without a symbolic ref."""
        ref = self.git.ref
        if not ref:
            return "(detached)"
        return ref.removeprefix("refs/heads/")
