#!/usr/bin/env bash
# Local PostgreSQL helpers for dev / CI (no Docker).
#
#   scripts/postgres.sh ensure          # start the local cluster if it is down, wait until ready
#   scripts/postgres.sh create-db NAME  # drop NAME if it exists (closing its connections), then create it
#   scripts/postgres.sh drop-db NAME    # drop NAME if it exists
#
# Environment:
#   DATABASE_ADMIN_URL  admin connection used by create-db/drop-db
#                       (default postgres://postgres@127.0.0.1:5432/postgres)
#   PG_HOST / PG_PORT   what `ensure` probes with pg_isready (default 127.0.0.1 / 5432)
#   PG_START_TIMEOUT    seconds `ensure` waits for the server (default 30)
set -euo pipefail

DATABASE_ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
PG_START_TIMEOUT="${PG_START_TIMEOUT:-30}"

die() { echo "postgres: ERROR: $*" >&2; exit 1; }

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found in PATH ($2)"; }

# the admin URL without its password, for messages
safe_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$DATABASE_ADMIN_URL"; }

is_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

cmd_ensure() {
  need pg_isready "install the postgresql-client package"
  if is_ready; then
    echo "postgres: ready on $PG_HOST:$PG_PORT"
    return 0
  fi
  need pg_ctlcluster "install postgresql-common, or start PostgreSQL yourself"
  [[ -d /etc/postgresql ]] || die "no local cluster (/etc/postgresql missing) and nothing answers on $PG_HOST:$PG_PORT"
  local version
  # highest installed major version that has a 'main' cluster
  version="$(find /etc/postgresql -mindepth 2 -maxdepth 2 -type d -name main -printf '%h\n' 2>/dev/null \
    | xargs -r -n1 basename | sort -V | tail -n1)"
  [[ -n "$version" ]] || die "no '<version>/main' cluster under /etc/postgresql"
  echo "postgres: not answering on $PG_HOST:$PG_PORT, starting cluster $version/main..."
  local out
  if ! out="$(pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1)"; then
    # "already running" is fine (e.g. it was still starting up); anything else is not
    if ! grep -qi "already running" <<<"$out"; then
      echo "$out" >&2
      local log="/var/log/postgresql/postgresql-$version-main.log"
      [[ -r "$log" ]] && { echo "----- last 30 lines of $log -----" >&2; tail -n 30 "$log" >&2; }
      die "pg_ctlcluster $version main start failed"
    fi
  fi
  local deadline=$((SECONDS + PG_START_TIMEOUT))
  until is_ready; do
    if ((SECONDS >= deadline)); then
      die "PostgreSQL $version/main did not accept connections on $PG_HOST:$PG_PORT within ${PG_START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  echo "postgres: ready on $PG_HOST:$PG_PORT (started $version/main)"
}

# run SQL from stdin against the admin DB; NAME is passed as a psql variable
# and quoted with :"name", so any name is safe.
admin_sql() {
  local name="$1" out
  if ! out="$(psql "$DATABASE_ADMIN_URL" -X -q -v ON_ERROR_STOP=1 -v name="$name" 2>&1)"; then
    echo "$out" >&2
    return 1
  fi
  [[ -z "$out" ]] || echo "$out"
}

check_name() {
  local name="${1:-}" what="$2"
  [[ -n "$name" ]] || { echo "usage: $(basename "$0") $what NAME" >&2; exit 2; }
  (( ${#name} <= 63 )) || die "database name '$name' is longer than 63 bytes"
  case "$name" in
    postgres | template0 | template1) die "refusing to $what the '$name' database" ;;
  esac
}

check_server() {
  need psql "install the postgresql-client package"
  local out
  if ! out="$(psql "$DATABASE_ADMIN_URL" -X -q -At -c 'select 1' 2>&1)"; then
    echo "$out" >&2
    die "cannot connect to $(safe_url) (DATABASE_ADMIN_URL); is PostgreSQL up? try: $(basename "$0") ensure"
  fi
}

cmd_create_db() {
  local name="${1:-}"
  check_name "$name" create-db
  check_server
  # WITH (FORCE) (PG 13+) terminates leftover connections from a previous run
  admin_sql "$name" <<'SQL' || die "could not (re)create database '$name' on $(safe_url)"
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"name" WITH (FORCE);
CREATE DATABASE :"name";
SQL
  echo "postgres: created database '$name'"
}

cmd_drop_db() {
  local name="${1:-}"
  check_name "$name" drop-db
  check_server
  admin_sql "$name" <<'SQL' || die "could not drop database '$name' on $(safe_url)"
SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"name" WITH (FORCE);
SQL
  echo "postgres: dropped database '$name' (if it existed)"
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  create-db) cmd_create_db "${2:-}" ;;
  drop-db) cmd_drop_db "${2:-}" ;;
  *)
    echo "usage: $(basename "$0") ensure | create-db NAME | drop-db NAME   (env: DATABASE_ADMIN_URL)" >&2
    exit 2
    ;;
esac
