"""postgres:15-bookworm from Debian's postgresql-15, with an entrypoint like the official image's."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

PG_BIN = "/usr/lib/postgresql/15/bin"

ENTRYPOINT = """#!/bin/sh
# shipyard's stand-in for the official postgres entrypoint: POSTGRES_USER/PASSWORD/DB, PGDATA.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_PASSWORD:=}"
if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    echo "error: POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \\
    --auth-host="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >/dev/null
  rm -f "$pwfile"
  echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    createdb -U "$POSTGRES_USER" "$POSTGRES_DB"
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
"""


def prepare(rootfs: Path) -> None:
    """Drop the cluster the package made at install time and add the entrypoint."""
    shutil.rmtree(rootfs / "var/lib/postgresql/15", ignore_errors=True)
    shutil.rmtree(rootfs / "etc/postgresql/15", ignore_errors=True)
    (rootfs / "var/lib/postgresql/data").mkdir(parents=True, exist_ok=True)
    script = rootfs / "usr/local/bin/docker-entrypoint.sh"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(ENTRYPOINT, encoding="utf-8")
    script.chmod(0o755)
