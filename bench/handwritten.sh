#!/usr/bin/env bash
# The lint + test matrix of a uv project, written by hand with docker, as a typical team would:
# uv copied out of its image, one `docker run python:X-slim` per version in parallel, a shared
# uv cache volume, ruff from its image. No change detection: every run does everything.
#
#   bench/handwritten.sh PROJECT_DIR [UV_CACHE_VOLUME]
#
# Used by bench/compare.py as the "by hand" baseline; exit status is non-zero if any job failed.
set -euo pipefail

project=$(cd "$1" && pwd)
cache=${2:-handwritten-uv-cache}
uv_image=ghcr.io/astral-sh/uv:0.11.7
ruff_image=ghcr.io/astral-sh/ruff:0.16.5
versions=(3.10 3.11 3.12 3.13)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

holder=$(docker create "$uv_image" /uv)
docker cp -q "$holder:/uv" "$tmp/uv"
docker rm "$holder" >/dev/null

docker volume create "$cache" >/dev/null

docker run --rm -v "$project:/io:ro" -w /io -e RUFF_NO_CACHE=true "$ruff_image" check --no-cache . &
lint_check=$!
docker run --rm -v "$project:/io:ro" -w /io "$ruff_image" format --check --no-cache . &
lint_format=$!

pids=()
for v in "${versions[@]}"; do
  docker run --rm \
    -v "$project:/src:ro" \
    -v "$tmp/uv:/usr/local/bin/uv:ro" \
    -v "$cache:/root/.cache/uv" \
    -e UV_PROJECT_ENVIRONMENT=/venv -e UV_LINK_MODE=copy -e UV_PYTHON_DOWNLOADS=never \
    -e PYTHONDONTWRITEBYTECODE=1 -e COVERAGE_FILE=/tmp/.coverage \
    -w /src "python:$v-slim" \
    sh -c "uv sync --locked --python python$v \
      && /venv/bin/pytest -q -p no:cacheprovider -m 'not integration' \
           --cov=webapp --cov-fail-under=80 --junitxml=/tmp/junit.xml" \
    >"$tmp/test-$v.log" 2>&1 &
  pids+=("$!")
done

status=0
wait "$lint_check" || status=1
wait "$lint_format" || status=1
for i in "${!versions[@]}"; do
  if ! wait "${pids[$i]}"; then
    status=1
    echo "test ${versions[$i]} failed:" >&2
    tail -n 20 "$tmp/test-${versions[$i]}.log" >&2
  fi
  cat "$tmp/test-${versions[$i]}.log"
done
exit "$status"
