#!/usr/bin/env bash
# Run the Jest suites, or the benchmarks, with the infrastructure they need.
#
#   scripts/test.sh fast [jest args...]   unit suites only; needs nothing external
#   scripts/test.sh all  [jest args...]   unit + integration + e2e against a real Kafka broker and PostgreSQL
#   scripts/test.sh bench [names...]      the benchmarks (npm run bench), same broker and database handling
#
# `all`:
#   - Kafka: if nothing answers at the first host:port of KAFKA_BROKERS (default 127.0.0.1:9092), starts a
#     local broker with scripts/kafka.sh and stops it again on exit (only if this script started it).
#   - PostgreSQL: scripts/postgres.sh ensure, then a fresh database momentum_test_<timestamp>_<pid>, exported
#     as DATABASE_URL and dropped on exit. The server and credentials come from DATABASE_ADMIN_URL, else
#     from DATABASE_URL (its database replaced), else postgres://postgres@127.0.0.1:5432/postgres.
#   - Builds (the e2e suites start the sample services from dist/), exports KAFKA_BROKERS and DATABASE_URL,
#     runs every Jest project, exits with Jest's exit code.
#     Infrastructure suites are never skipped: when Kafka or PostgreSQL cannot be had, this fails.
#
# Environment: KAFKA_BROKERS, DATABASE_URL, DATABASE_ADMIN_URL, JEST_MAX_WORKERS (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Node 24 from the `node` devDependency, whatever node is first on PATH.
if [[ -x "$ROOT/node_modules/.bin/node" ]]; then
  NODE="$ROOT/node_modules/.bin/node"
else
  NODE="node"
fi
JEST=("$NODE" --experimental-vm-modules --disable-warning=ExperimentalWarning "$ROOT/node_modules/jest/bin/jest.js")
MAX_WORKERS="${JEST_MAX_WORKERS:-2}"

log() { echo "test.sh: $*" >&2; }
die() { echo "test.sh: ERROR: $*" >&2; exit 1; }

usage() {
  echo "usage: scripts/test.sh fast|all [jest args...]" >&2
  exit 2
}

[[ -f "$ROOT/node_modules/jest/bin/jest.js" ]] || die "jest is not installed; run 'npm install' first"

mode="${1:-}"
[[ $# -gt 0 ]] && shift

run_jest() {
  local rc=0
  "${JEST[@]}" "$@" || rc=$?
  return "$rc"
}

# true if something accepts TCP connections on $1:$2
port_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

is_local_host() {
  case "$1" in
    127.* | localhost | ::1 | '[::1]') return 0 ;;
    *) return 1 ;;
  esac
}

# ---------------------------------------------------------------------------------------------------------
# cleanup: drop the test database, stop the broker if we started it

STARTED_KAFKA=0
KAFKA_START_PORT=""
TEST_DB=""
ADMIN_URL=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$TEST_DB" ]]; then
    DATABASE_ADMIN_URL="$ADMIN_URL" bash "$ROOT/scripts/postgres.sh" drop-db "$TEST_DB" </dev/null >&2 \
      || log "warning: could not drop database $TEST_DB"
  fi
  if [[ "$STARTED_KAFKA" == 1 ]]; then
    log "stopping the Kafka broker this run started (port $KAFKA_START_PORT)"
    KAFKA_PORT="$KAFKA_START_PORT" bash "$ROOT/scripts/kafka.sh" stop </dev/null >&2 \
      || log "warning: scripts/kafka.sh stop failed"
  fi
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------------------

ensure_kafka() {
  export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
  local first="${KAFKA_BROKERS%%,*}"
  first="${first// /}"
  local host="${first%:*}" port="${first##*:}"
  [[ -n "$host" && "$port" =~ ^[0-9]+$ && "$host" != "$first" ]] \
    || die "KAFKA_BROKERS must be a comma-separated list of host:port (got '$KAFKA_BROKERS')"

  if port_open "$host" "$port"; then
    log "Kafka answers at $host:$port; using it"
    return 0
  fi
  if ! is_local_host "$host"; then
    die "Kafka is required for the integration suites; nothing answers at $host:$port (KAFKA_BROKERS=$KAFKA_BROKERS) and scripts/kafka.sh only starts a local broker"
  fi

  log "nothing answers at $host:$port; starting a broker with scripts/kafka.sh start"
  # Mark it as ours before starting, so a half-started broker is stopped too.
  STARTED_KAFKA=1
  KAFKA_START_PORT="$port"
  local out rc=0
  out="$(mktemp)"
  # stream the script's output (a first run downloads the jars) and keep it for the error message
  KAFKA_PORT="$port" bash "$ROOT/scripts/kafka.sh" start </dev/null 2>&1 | tee "$out" >&2 || rc=${PIPESTATUS[0]}
  if [[ $rc -ne 0 ]]; then
    local reason
    reason="$(grep -m1 "ERROR" "$out" | sed -E "s/^kafka: ERROR: //" || true)"
    [[ -n "$reason" ]] || reason="$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 || true)"
    rm -f "$out"
    die "Kafka is required for the integration suites; scripts/kafka.sh start failed: ${reason:-exit code $rc}"
  fi
  rm -f "$out"
  port_open "$host" "$port" \
    || die "Kafka is required for the integration suites; scripts/kafka.sh start succeeded but nothing answers at $host:$port"
}

# Prints $1 (a postgres:// URL) with its database replaced by $2. Keeps user, password, host, port, query.
with_database() {
  "$NODE" -e '
    const u = new URL(process.argv[1]);
    u.pathname = "/" + encodeURIComponent(process.argv[2]);
    process.stdout.write(u.toString());
  ' "$1" "$2"
}

# Prints "host|port" of a postgres:// URL (empty host when it uses a socket).
url_host_port() {
  "$NODE" -e '
    const u = new URL(process.argv[1]);
    process.stdout.write(`${decodeURIComponent(u.hostname).replace(/^\[|\]$/g, "")}|${u.port || "5432"}`);
  ' "$1"
}

ensure_postgres() {
  if [[ -n "${DATABASE_ADMIN_URL:-}" ]]; then
    ADMIN_URL="$DATABASE_ADMIN_URL"
  elif [[ -n "${DATABASE_URL:-}" ]]; then
    ADMIN_URL="$(with_database "$DATABASE_URL" postgres)" || die "DATABASE_URL is not a valid URL"
  else
    ADMIN_URL="postgres://postgres@127.0.0.1:5432/postgres"
  fi

  local hp host port
  hp="$(url_host_port "$ADMIN_URL")" || die "DATABASE_ADMIN_URL is not a valid URL"
  IFS='|' read -r host port <<<"$hp" || true
  if [[ -z "${PG_HOST:-}" && -n "$host" ]]; then export PG_HOST="$host"; fi
  if [[ -z "${PG_PORT:-}" && -n "$port" ]]; then export PG_PORT="$port"; fi

  DATABASE_ADMIN_URL="$ADMIN_URL" bash "$ROOT/scripts/postgres.sh" ensure </dev/null >&2 \
    || die "PostgreSQL is required for the integration suites; scripts/postgres.sh ensure failed"

  local name
  name="momentum_test_$(date +%Y%m%d%H%M%S)_$$"
  TEST_DB="$name"
  DATABASE_ADMIN_URL="$ADMIN_URL" bash "$ROOT/scripts/postgres.sh" create-db "$name" </dev/null >&2 \
    || die "PostgreSQL is required for the integration suites; could not create database $name"
  DATABASE_URL="$(with_database "$ADMIN_URL" "$name")"
  export DATABASE_URL
  log "using database $name"
}

case "$mode" in
  fast)
    log "unit suites only (nothing external)"
    rc=0
    run_jest --selectProjects unit --passWithNoTests --maxWorkers="$MAX_WORKERS" "$@" || rc=$?
    exit "$rc"
    ;;
  all | bench)
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ensure_kafka
    ensure_postgres
    log "KAFKA_BROKERS=$KAFKA_BROKERS"
    # the end-to-end suites run the sample services from their build, each as its own process
    log "building (tsc -b tsconfig.build.json)"
    "$NODE" "$ROOT/node_modules/typescript/bin/tsc" -b tsconfig.build.json || die "the build failed"
    rc=0
    if [[ "$mode" == bench ]]; then
      "$NODE" "$ROOT/node_modules/typescript/bin/tsc" -p bench/tsconfig.json || die "the benchmarks' build failed"
      "$NODE" "$ROOT/dist/bench/run.js" "$@" || rc=$?
    else
      run_jest --maxWorkers="$MAX_WORKERS" "$@" || rc=$?
    fi
    exit "$rc"
    ;;
  *)
    usage
    ;;
esac
