"""The `[tool.shipyard]` table as frozen pydantic models.

Every model forbids unknown keys, so a typo is an error that names the key. Every field has a
default that suits a plain Python repository, so a project with no table at all works.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shipyard.config.tool_images import DEFAULT_TOOL_IMAGES, ToolImage

PYTHON_VERSIONS: tuple[str, ...] = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
"""The Python versions shipyard knows how to test on, oldest first: the one matrix constant."""
END_OF_LIFE_PYTHONS: tuple[str, ...] = ("3.10",)
"""Versions past their upstream end of life: tested only where `[tool.shipyard] python` names them,
never part of a matrix derived from requires-python."""

Severity = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
SEVERITIES: tuple[Severity, ...] = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
"""Trivy's severities, least severe first."""

Tier = Literal["essential", "extended", "full"]
TIERS: tuple[Tier, ...] = ("essential", "extended", "full")
"""The tiers, smallest first."""
TagRule = Literal["sha", "semver", "latest", "branch"]
Platform = Literal["linux/amd64", "linux/arm64"]
PLATFORMS: tuple[Platform, ...] = ("linux/amd64", "linux/arm64")
"""The platforms images are built for."""


STAGE_GROUPS: tuple[str, ...] = (
    "lint",
    "test",
    "bench",
    "package",
    "build",
    "sbom",
    "scan",
    "compose",
    "publish",
)
"""Stage groups (what users name on the command line and budget), in the order they are shown."""

_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def percent_fraction(value: str) -> float:
    """`"10%"` as 0.1; raise ValueError for anything else."""
    match = _PERCENT.match(value.strip())
    if match is None:
        msg = f"{value!r} is not a percentage; write it like '10%'"
        raise ValueError(msg)
    return float(match[1]) / 100


def duration_seconds(value: str) -> float:
    """`"120s"`, `"2m"`, `"1h"`, `"500ms"` in seconds; raise ValueError for anything else."""
    match = _DURATION.match(value.strip())
    if match is None:
        msg = f"{value!r} is not a duration; write it like '120s', '2m' or '1h'"
        raise ValueError(msg)
    return float(match[1]) * _UNIT_SECONDS[match[2]]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class LintConfig(_Model):
    """The lint stage: ruff check and ruff format, plus an optional type check."""

    ruff: bool = True
    """Run `ruff check` and `ruff format --check`."""
    typecheck: Literal["none", "mypy", "pyright", "basedpyright"] = "none"
    """A type checker to run from the project's own environment, or none."""
    paths: tuple[str, ...] = (".",)
    """Paths handed to ruff, relative to the project root."""


class TestConfig(_Model):
    """The test stage: pytest per Python version."""

    command: tuple[str, ...] = ("pytest",)
    """The test command as an argv list, run inside the project's environment."""
    markers: str | None = None
    """A pytest `-m` expression, e.g. `not integration`."""
    coverage_floor: Annotated[float, Field(ge=0, le=100)] = 0.0
    """Fail the stage when line coverage (percent) is below this; 0 disables the floor."""
    coverage_source: tuple[str, ...] = ()
    """Packages or paths to measure; empty means the project's own package as coverage finds it."""
    installer: Literal["auto", "uv", "pip"] = "auto"
    """`uv` installs from uv.lock (`uv sync --locked`), `pip` from requirements files, `auto` picks."""
    requirements: tuple[str, ...] = ()
    """Requirement files for the pip installer (e.g. requirements-dev.txt)."""
    constraints: str | None = None
    """A pip constraints file applied to every install."""
    groups: tuple[str, ...] = ()
    """Dependency groups (PEP 735) to install: uv adds them to its default groups, pip installs
    their requirements. Unset (and no `requirements`): the group holding pytest when the default
    install would bring none (stages.install.groups_installed)."""
    extras: tuple[str, ...] = ()
    """The project's optional dependencies (extras) to install: `uv sync --extra`, `pip install -e .[...]`."""
    env: dict[str, str] = Field(default_factory=dict[str, str])
    """Extra environment variables for the test run (never secrets: they are recorded)."""
    services: tuple[str, ...] = ()
    """Services of the project's compose file the tests need (a database, say): started with their
    healthchecks before the tests, on a network the test container joins, reachable by service
    name, healthy within [tool.shipyard.compose] timeout; torn down after, their logs kept."""


BENCH_DIR = "benchmarks"
"""Where the default bench command looks for the project's benchmarks."""


class BenchConfig(_Model):
    """The bench stage: the project's benchmarks, compared with the baseline branch's last green run."""

    command: tuple[str, ...] = ()
    """The benchmark command as an argv list, run inside the project's environment; it must write
    pytest-benchmark JSON to /out/bench.json. Empty: `pytest benchmarks --benchmark-only
    --benchmark-json=/out/bench.json --benchmark-min-rounds=<min_rounds>`."""
    threshold: str = "10%"
    """A benchmark regresses when its median is slower than the baseline's by more than this (and
    the rounds' difference is significant, p < 0.05)."""
    baseline: str = "main"
    """The branch whose last green run is the baseline: a run on it records the baseline."""
    min_rounds: Annotated[int, Field(ge=2, le=100_000)] = 20
    """The fewest rounds each benchmark runs (pytest-benchmark's `--benchmark-min-rounds`)."""
    python: str | None = None
    """The one Python version the benchmarks run on; unset: the newest of the matrix."""

    @field_validator("threshold")
    @classmethod
    def _threshold_is_a_percentage(cls, value: str) -> str:
        _ = percent_fraction(value)
        return value

    @field_validator("python")
    @classmethod
    def _supported_python(cls, value: str | None) -> str | None:
        if value is not None and value not in PYTHON_VERSIONS:
            msg = f"unsupported Python {value!r}; use one of {', '.join(PYTHON_VERSIONS)}"
            raise ValueError(msg)
        return value

    @property
    def threshold_fraction(self) -> float:
        """The threshold as a fraction (0.1 for "10%")."""
        return percent_fraction(self.threshold)


class ImageConfig(_Model):
    """The image the build stage makes."""

    name: str | None = None
    """Image repository without a tag, e.g. `ghcr.io/acme/app`; none means derived from the project name."""
    dockerfile: str = "Dockerfile"
    """Dockerfile path relative to the project root. When the default is absent the image stages do
    not apply; a path set here must exist inside the project (else a ConfigError)."""
    context: str = "."
    """Build context relative to the project root; it must be a directory inside the project."""
    target: str | None = None
    """The Dockerfile stage to build; none builds the last stage."""
    platforms: tuple[Platform, ...] = ("linux/amd64", "linux/arm64")
    """Platforms built by the full tier; the essential and extended tiers build the host's only."""
    build_args: dict[str, str] = Field(default_factory=dict[str, str])
    """Build arguments (never secrets: they end up in the image history)."""


class HttpProbe(_Model):
    """Expect an HTTP status (and optionally a body substring) from a service port."""

    kind: Literal["http"] = "http"
    service: str
    port: Annotated[int, Field(ge=1, le=65535)]
    path: str = "/"
    status: Annotated[int, Field(ge=100, le=599)] = 200
    body: str | None = None
    """A substring the response body must contain."""


class TcpProbe(_Model):
    """Expect a TCP connection to a service port to be accepted."""

    kind: Literal["tcp"]
    service: str
    port: Annotated[int, Field(ge=1, le=65535)]


class ExecProbe(_Model):
    """Expect a command run inside a service's container to exit 0."""

    kind: Literal["exec"]
    service: str
    command: tuple[str, ...]


Probe = Annotated[HttpProbe | TcpProbe | ExecProbe, Field(discriminator="kind")]


COMPOSE_FILE_NAMES: tuple[str, ...] = (
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
)
"""The names `docker compose` looks for by default, in its order: the first present is the stack."""


class ComposeConfig(_Model):
    """The compose stage: bring the stack up with the built image and probe it."""

    file: str = COMPOSE_FILE_NAMES[0]
    """Compose file relative to the project root. Unset, the first of COMPOSE_FILE_NAMES present is
    used and the stage does not apply when there is none; a path set here must exist (else a ConfigError)."""
    service: str | None = None
    """The service whose image is replaced by the one just built."""
    probes: tuple[Probe, ...] = ()
    timeout: Annotated[float, Field(gt=0, le=3600)] = 180.0
    """Seconds for the whole stack to become healthy."""
    probe_timeout: Annotated[float, Field(gt=0, le=600)] = 10.0
    """Seconds for one probe attempt."""
    retries: Annotated[int, Field(ge=0, le=100)] = 5
    """How often a failing probe is retried (one second apart) before the stage fails."""


class AllowlistEntry(_Model):
    """A finding the scan gate does not count, with a reason and an expiry date."""

    id: str
    """A vulnerability id (CVE-…, GHSA-…), a misconfiguration id (DS002) or a secret rule id."""
    reason: Annotated[str, Field(min_length=3)]
    expires: dt.date
    """From this date on the entry stops suppressing and the gate says it expired."""


class ScanConfig(_Model):
    """The scan stage: trivy (image and source) and gitleaks (git history)."""

    severity: Severity = "HIGH"
    """The gate fails on findings of this severity or worse."""
    ignore_unfixed: bool = False
    """Do not count vulnerabilities that have no fixed version yet."""
    allowlist: tuple[AllowlistEntry, ...] = ()
    trivy: bool = True
    gitleaks: bool = True


class PublishConfig(_Model):
    """The publish stage: one manifest list per tag, signed."""

    registry: str = "ghcr.io"
    tags: tuple[TagRule, ...] = ("sha", "semver", "latest")
    default_branch: str = "main"
    """`latest` is only ever given for this branch (and for release tags)."""
    immutable: tuple[TagRule, ...] = ("sha", "semver")
    """Tags that must not already exist in the registry (preflight refuses to overwrite them)."""
    sign: bool = True
    """Sign the digest with cosign and attach the SBOM as an attestation."""
    index: str | None = None
    """Where the publish-package stage uploads the package stage's wheel and sdist: `pypi`, or the
    URL of an index's legacy upload endpoint (e.g. `http://127.0.0.1:8099/` for pypiserver). Unset:
    no package is published."""
    index_url: str | None = None
    """The index's simple (PEP 503/691) URL, read to refuse a version that is already there; unset
    it is `https://pypi.org/simple/` for `pypi`, else `simple/` under the upload URL (pypiserver)."""

    @field_validator("index")
    @classmethod
    def _index_is_pypi_or_a_url(cls, value: str | None) -> str | None:
        if value is not None and value != "pypi" and not _is_http_url(value):
            msg = f"index must be 'pypi' or an http(s) upload URL, not {value!r}"
            raise ValueError(msg)
        return value

    @field_validator("index_url")
    @classmethod
    def _index_url_is_a_url(cls, value: str | None) -> str | None:
        if value is not None and not _is_http_url(value):
            msg = f"index_url must be an http(s) URL of a simple index, not {value!r}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _index_url_needs_an_index(self) -> PublishConfig:
        if self.index_url is not None and self.index is None:
            msg = "index_url is set but index is not: set index to 'pypi' or the upload URL"
            raise ValueError(msg)
        return self


def _is_http_url(value: str) -> bool:
    scheme, _, rest = value.partition("://")
    return scheme in {"http", "https"} and bool(rest.split("/", 1)[0])


class ShipyardConfig(_Model):
    """The whole `[tool.shipyard]` table."""

    python: tuple[str, ...] = ()
    """Python versions of the test matrix; empty means every supported version the project allows."""
    tier: Tier = "extended"
    """The tier `shipyard run` uses when no stage is named."""
    python_image: str = "python:{version}-slim"
    """Base image for lint and tests; `{version}` is replaced by the matrix version."""
    lint: LintConfig = LintConfig()
    test: TestConfig = TestConfig()
    image: ImageConfig = ImageConfig()
    compose: ComposeConfig = ComposeConfig()
    scan: ScanConfig = ScanConfig()
    publish: PublishConfig = PublishConfig()
    bench: BenchConfig | None = None
    """The bench stage; unset, the project has no benchmark gate (the stage is n/a)."""
    budgets: dict[str, str] = Field(default_factory=dict[str, str])
    """Stage group -> the longest a stage of it may run (`test = "120s"`); a stage over it fails.
    Cache hits never count."""
    tools: dict[str, ToolImage] = Field(default_factory=lambda: dict(DEFAULT_TOOL_IMAGES))
    """Pinned tool images by tool name; entries given here replace the defaults one by one."""

    @field_validator("python")
    @classmethod
    def _supported_pythons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for version in value:
            if version not in PYTHON_VERSIONS:
                msg = f"unsupported Python {version!r}; use some of {', '.join(PYTHON_VERSIONS)}"
                raise ValueError(msg)
        return tuple(sorted(set(value), key=PYTHON_VERSIONS.index))

    @field_validator("budgets")
    @classmethod
    def _budgets_are_durations(cls, value: dict[str, str]) -> dict[str, str]:
        for group, duration in value.items():
            if group not in STAGE_GROUPS:
                msg = f"budget for unknown stage group {group!r}; groups: {', '.join(STAGE_GROUPS)}"
                raise ValueError(msg)
            _ = duration_seconds(duration)
        return value

    def budget_seconds(self, group: str) -> float | None:
        """The budget of a stage group in seconds, or None when it has none."""
        duration = self.budgets.get(group)
        return duration_seconds(duration) if duration is not None else None

    @field_validator("tools", mode="after")
    @classmethod
    def _merge_tools(cls, value: dict[str, ToolImage]) -> dict[str, ToolImage]:
        unknown = sorted(set(value) - set(DEFAULT_TOOL_IMAGES))
        if unknown:
            msg = f"unknown tool {unknown[0]!r}; known tools: {', '.join(sorted(DEFAULT_TOOL_IMAGES))}"
            raise ValueError(msg)
        return {**DEFAULT_TOOL_IMAGES, **value}

    @model_validator(mode="after")
    def _python_image_has_placeholder(self) -> ShipyardConfig:
        if "{version}" not in self.python_image:
            msg = "python_image must contain '{version}', e.g. 'python:{version}-slim'"
            raise ValueError(msg)
        return self
