#!/usr/bin/env bash
# The two set-up commands of README.md, on a fresh Debian 12 machine (as root):
#   bash scripts/dev.sh main   - run the main job: the pipeline on examples/, engine bootstrapped if missing
#   bash scripts/dev.sh test   - run the whole test suite (static checks + unit + engine tests)
# Each phase prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

phase_start=0
phase() { phase_start=$EPOCHREALTIME; echo "== [$(date +%T)] $1"; }
phase_end() { awk -v a="$phase_start" -v b="$EPOCHREALTIME" -v n="$1" 'BEGIN { printf "== %s took %.1f s\n", n, b - a }'; }

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1 || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
    python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
}

setup() {
  phase "setup: uv $UV_VERSION + locked environment"
  ensure_uv
  # bytecode compiled once: a host that exports PYTHONDONTWRITEBYTECODE=1 (these machines do)
  # would otherwise compile shipyard and its dependencies again in every process, about 1 s each
  uv sync --frozen --quiet --compile-bytecode
  uv run --frozen python -m compileall -q -j0 src ci/src >/dev/null
  phase_end setup
  phase "engine: bootstrap (idempotent)"
  uv run --frozen shipyard engine bootstrap
  phase_end engine
}

case "${1:-}" in
  main)
    setup
    shift
    phase "pipeline: examples/webapp (full tier, no publish) and examples/library"
    uv run --frozen shipyard run --source examples/webapp --tier full --skip publish "$@"
    uv run --frozen shipyard run --source examples/library "$@"
    phase_end pipeline
    ;;
  test)
    setup
    shift
    if ! command -v chromium >/dev/null 2>&1; then
      phase "browser: chromium from Debian (headless rendering tests)"
      apt-get update -qq && apt-get install -y -qq chromium >/dev/null
      phase_end browser
    fi
    phase "static: ruff check, ruff format --check, basedpyright (strict)"
    uv run --frozen ruff check .
    uv run --frozen ruff format --check .
    uv run --frozen basedpyright
    phase_end static
    if [ "$#" -gt 0 ]; then
      phase "pytest: $*"
      uv run --frozen pytest "$@"
      phase_end pytest
    else
      # two pytest processes side by side from start to end: each waits on the engine about half
      # of the time (one core of two busy). Alongside: ci/tests, then the engine files of
      # ALONGSIDE, which balance it (ci/tests alone ended about 6 minutes before tests/ did).
      # The alongside output is kept in a file and printed once the rest of tests/ is done; every
      # test names only resources of its own (its run id, namespace, repository), and each
      # process has a temporary directory of its own (pytest removes old ones of its basetemp)
      status=0
      ci_out=$(mktemp -d)
      alongside=(tests/engine/test_compose_stage.py tests/engine/test_broken_faults.py tests/engine/test_remote_engine.py
        tests/engine/test_environments.py)
      ignored=()
      for file in "${alongside[@]}"; do ignored+=("--ignore=$file"); done
      phase "pytest: the Dagger module (ci/tests: registration, queries, its install, the emulated engine), then ${alongside[*]}, alongside"
      (
        started=$EPOCHREALTIME
        code=0
        uv run --frozen pytest ci/tests --basetemp="$ci_out/tmp" >"$ci_out/log" 2>&1 || code=$?
        awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$ci_out/took"
        started=$EPOCHREALTIME
        uv run --frozen pytest "${alongside[@]}" --basetemp="$ci_out/tmp2" >"$ci_out/log2" 2>&1 || code=$?
        awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$ci_out/took2"
        echo "$code" >"$ci_out/rc"
      ) &
      ci_pid=$!
      phase "pytest: core, Docker executor and examples (tests/, but for the alongside files)"
      uv run --frozen pytest tests "${ignored[@]}" || status=$?
      phase_end "pytest tests/"
      wait "$ci_pid" || true
      echo "== pytest ci/tests (alongside tests/): its output"
      cat "$ci_out/log"
      echo "== pytest ci/tests took $(cat "$ci_out/took" 2>/dev/null || echo '?') s"
      echo "== pytest ${alongside[*]} (alongside, after ci/tests): its output"
      cat "$ci_out/log2" 2>/dev/null || true
      echo "== they took $(cat "$ci_out/took2" 2>/dev/null || echo '?') s"
      [ "$(cat "$ci_out/rc" 2>/dev/null || echo 1)" = 0 ] || status=1
      rm -rf "$ci_out"
      exit "$status"
    fi
    ;;
  *)
    echo "usage: bash scripts/dev.sh main|test [args...]" >&2
    exit 2
    ;;
esac
