#!/usr/bin/env bash
# Run a real single-node Apache Kafka 4.x broker (KRaft, broker+controller)
# from the Maven Central jars -- no Docker, no tarball.
#
#   scripts/kafka.sh start    # idempotent; fresh data dir on every real start (unless KAFKA_KEEP_DATA=1)
#   scripts/kafka.sh stop     # TERM, wait up to 20 s, then KILL
#   scripts/kafka.sh status   # "running" (exit 0) / "stopped" (exit 1)
#
# Environment:
#   MOMENTUM_KAFKA_HOME   cache dir for jars + runtime (default ~/.cache/momentum-kafka)
#   KAFKA_PORT            PLAINTEXT port on 127.0.0.1 (default 9092); controller = port+1
#   KAFKA_START_TIMEOUT   seconds to wait for readiness (default 90)
#   KAFKA_KEEP_DATA       1: start on the data dir of the previous run when there is one (topics,
#                         records and group offsets survive a stop/start, as on a real restart)
#   JAVA / JAVA_HOME      java binary to use (default: $JAVA_HOME/bin/java or java)
#   MVN                   maven binary (default mvn)
#
# Layout of the cache dir:
#   libs/                     all runtime jars + .complete-<kafka version> marker
#   run/<port>/server.properties, log4j2.properties, kafka.pid
#   run/<port>/data/          log.dirs (wiped and re-formatted on each start)
#   run/<port>/logs/server.out  broker stdout/stderr (the log)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/kafka-broker/pom.xml"

KAFKA_HOME_DIR="${MOMENTUM_KAFKA_HOME:-${HOME:-/root}/.cache/momentum-kafka}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA:-}" ]]; then
  :
elif [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
  JAVA="${JAVA_HOME}/bin/java"
else
  JAVA="java"
fi

die() { echo "kafka: ERROR: $*" >&2; exit 1; }

[[ "$KAFKA_PORT" =~ ^[0-9]+$ ]] && (( KAFKA_PORT > 0 && KAFKA_PORT < 65535 )) \
  || die "KAFKA_PORT must be a port number < 65535 (got '$KAFKA_PORT')"
[[ "$KAFKA_START_TIMEOUT" =~ ^[0-9]+$ ]] || die "KAFKA_START_TIMEOUT must be whole seconds (got '$KAFKA_START_TIMEOUT')"
CONTROLLER_PORT=$((KAFKA_PORT + 1))

LIBS_DIR="$KAFKA_HOME_DIR/libs"
RUN_DIR="$KAFKA_HOME_DIR/run/$KAFKA_PORT"
DATA_DIR="$RUN_DIR/data"
LOG_DIR="$RUN_DIR/logs"
LOG_FILE="$LOG_DIR/server.out"
PID_FILE="$RUN_DIR/kafka.pid"
PROPS="$RUN_DIR/server.properties"
LOG4J_PROPS="$RUN_DIR/log4j2.properties"

kafka_version() {
  local v
  v="$(sed -n 's:.*<kafka\.version>\([^<]*\)</kafka\.version>.*:\1:p' "$POM" | head -n1)"
  [[ -n "$v" ]] || die "cannot read <kafka.version> from $POM"
  echo "$v"
}

# true if something accepts TCP connections on 127.0.0.1:$1
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# pid from the pid file if that process is alive and is our broker
broker_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: must be a java process running kafka.Kafka
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  fi
  echo "$pid"
}

print_log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    echo "----- last 80 lines of $LOG_FILE -----" >&2
    tail -n 80 "$LOG_FILE" >&2 || true
    echo "----- end of broker log -----" >&2
  else
    echo "kafka: (no broker log at $LOG_FILE)" >&2
  fi
}

ensure_libs() {
  local version marker
  version="$(kafka_version)"
  marker="$LIBS_DIR/.complete-$version"
  if [[ -f "$marker" ]] && compgen -G "$LIBS_DIR/kafka_2.13-$version.jar" >/dev/null; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "maven ('$MVN') not found; needed once to fetch the Kafka $version jars"
  echo "kafka: fetching Kafka $version jars with Maven into $LIBS_DIR (first run only)..."
  # never mix jars of two versions: start from an empty folder
  rm -rf "$LIBS_DIR"
  mkdir -p "$LIBS_DIR"
  # Maven 3.8.x prints stray ANSI resets even with -B -q: strip them.
  # (pipefail keeps mvn's exit status.)
  if ! "$MVN" -B -q -f "$POM" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DoutputDirectory="$LIBS_DIR" -DincludeScope=runtime 2>&1 \
      | sed -e 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$LIBS_DIR"
    die "maven could not fetch the Kafka $version jars (is Maven Central reachable?)"
  fi
  compgen -G "$LIBS_DIR/kafka_2.13-$version.jar" >/dev/null \
    || die "maven finished but $LIBS_DIR/kafka_2.13-$version.jar is missing"
  compgen -G "$LIBS_DIR/log4j-slf4j-impl-*.jar" >/dev/null \
    || die "log4j-slf4j-impl jar missing in $LIBS_DIR (broker would log nothing)"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$marker"
  echo "kafka: $(find "$LIBS_DIR" -maxdepth 1 -name '*.jar' | wc -l) jars in $LIBS_DIR"
}

write_configs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  cat >"$LOG4J_PROPS" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.request.name = kafka.request.logger
logger.request.level = warn
EOF
  cat >"$PROPS" <<EOF
# generated by scripts/kafka.sh -- single-node KRaft dev broker
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# single node: every internal topic RF=1 / min ISR=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# small internal partition counts (defaults are 50) => fast first group/txn use
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4
share.coordinator.state.topic.num.partitions=4

# dev conveniences
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.partitions=1
num.network.threads=2
num.io.threads=4
log.cleaner.dedupe.buffer.size=16777216
log.retention.hours=24
EOF
}

new_cluster_id() {
  # Kafka Uuid format: 16 random bytes, base64url without padding (22 chars);
  # Kafka itself never emits ids starting with '-' (they look like CLI flags).
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* && ${#id} -eq 22 ]] && { echo "$id"; return; }
  done
}

cmd_start() {
  if port_open "$KAFKA_PORT"; then
    echo "kafka: already running (127.0.0.1:$KAFKA_PORT answers)"
    exit 0
  fi
  local pid
  if pid="$(broker_pid)"; then
    # our broker is alive but not (yet) listening: a hung/half-started
    # instance. Stop it, we are going to wipe its data dir.
    echo "kafka: broker pid $pid is alive but 127.0.0.1:$KAFKA_PORT does not answer; stopping it first"
    stop_pid "$pid"
  fi
  if port_open "$CONTROLLER_PORT"; then
    die "controller port 127.0.0.1:$CONTROLLER_PORT (KAFKA_PORT+1) is already in use by another process"
  fi
  command -v "$JAVA" >/dev/null 2>&1 || die "java ('$JAVA') not found; Java 17+ is required"

  local t0=$SECONDS
  ensure_libs
  write_configs

  local cp="$LIBS_DIR/*"   # quoted: java expands the wildcard, not the shell
  local log_opts=("-Dlog4j2.configurationFile=$LOG4J_PROPS" "-Dkafka.logs.dir=$LOG_DIR")

  : >"$LOG_FILE"
  rm -f "$PID_FILE"

  if [[ "${KAFKA_KEEP_DATA:-0}" == 1 && -f "$DATA_DIR/meta.properties" ]]; then
    echo "kafka: keeping the data of the previous run in $DATA_DIR (KAFKA_KEEP_DATA=1)"
  else
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
    local cluster_id
    cluster_id="$(new_cluster_id)"
    if ! "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true "${log_opts[@]}" -cp "$cp" \
        kafka.tools.StorageTool format --standalone --cluster-id "$cluster_id" --config "$PROPS" \
        >>"$LOG_FILE" 2>&1; then
      print_log_tail
      die "kafka.tools.StorageTool format failed (see log above)"
    fi
  fi

  # New session (setsid -f): the broker survives the end of this shell / CI
  # step and a Ctrl-C in the terminal. The inner bash writes its own pid and
  # then exec's java, so the pid file holds the JVM's pid whatever setsid does.
  # 9>&- : do not leak the lock fd into the long-lived broker.
  setsid -f bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" -Xms256m -Xmx512m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true "${log_opts[@]}" -cp "$cp" \
    kafka.Kafka "$PROPS" >>"$LOG_FILE" 2>&1 </dev/null 9>&-
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || { print_log_tail; die "broker did not record its pid in $PID_FILE"; }
  echo "kafka: started broker pid $pid on 127.0.0.1:$KAFKA_PORT (controller $CONTROLLER_PORT), waiting up to ${KAFKA_START_TIMEOUT}s..."

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      print_log_tail
      die "broker process $pid exited during startup (log: $LOG_FILE)"
    fi
    if grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null && port_open "$KAFKA_PORT"; then
      break
    fi
    if (( SECONDS >= deadline )); then
      print_log_tail
      stop_pid "$pid" >&2 || true
      rm -f "$PID_FILE"
      die "broker not ready after ${KAFKA_START_TIMEOUT}s (no 'Kafka Server started' + open port); stopped it"
    fi
    sleep 0.5
  done
  echo "kafka: ready on 127.0.0.1:$KAFKA_PORT after $((SECONDS - t0))s (pid $pid, log $LOG_FILE)"
}

# TERM, wait up to 20 s, then KILL
stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 40; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "kafka: stopped (pid $pid)"; return 0; }
    sleep 0.5
  done
  echo "kafka: pid $pid still alive after 20s, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || { echo "kafka: killed (pid $pid)"; return 0; }
    sleep 0.25
  done
  echo "kafka: WARNING: pid $pid survived KILL" >&2
  return 1
}

cmd_stop() {
  local pid
  if pid="$(broker_pid)"; then
    stop_pid "$pid"
    rm -f "$PID_FILE"
  else
    rm -f "$PID_FILE"
    if port_open "$KAFKA_PORT"; then
      echo "kafka: not started by this script (no live pid in $PID_FILE), but 127.0.0.1:$KAFKA_PORT answers; leaving it alone"
    else
      echo "kafka: not running"
    fi
  fi
}

cmd_status() {
  local pid=""
  pid="$(broker_pid)" || pid=""
  if port_open "$KAFKA_PORT"; then
    if [[ -n "$pid" ]]; then
      echo "kafka: running (pid $pid, 127.0.0.1:$KAFKA_PORT)"
    else
      echo "kafka: running (127.0.0.1:$KAFKA_PORT answers; not started by this script)"
    fi
    exit 0
  fi
  if [[ -n "$pid" ]]; then
    echo "kafka: stopped (pid $pid alive but 127.0.0.1:$KAFKA_PORT not answering: starting or hung)"
  else
    echo "kafka: stopped"
  fi
  exit 1
}

with_lock() {
  # serialise concurrent start/stop calls for the same port
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/.lock"
    flock -w $((KAFKA_START_TIMEOUT + 120)) 9 || die "timed out waiting for the lock $RUN_DIR/.lock"
  fi
  "$@"
}

case "${1:-}" in
  start) with_lock cmd_start ;;
  stop) with_lock cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $(basename "$0") start|stop|status   (env: KAFKA_PORT, KAFKA_START_TIMEOUT, MOMENTUM_KAFKA_HOME)" >&2
    exit 2
    ;;
esac
