#!/usr/bin/env bash
# .ci/jaeger.sh — build and run a real Jaeger (all-in-one, in-memory) for the tracing tests.
#
#   bash .ci/jaeger.sh build   # compile cmd/jaeger from its Go module (skipped if cached)
#   bash .ci/jaeger.sh start   # build if needed, start in background, wait until it answers
#   bash .ci/jaeger.sh stop    # stop it; delete its config, log and env lines
#
# Why build from source: as for Weaviate (.ci/weaviate.sh), the CI machines reach
# package registries only, and the Go module proxy serves Jaeger's source.
# `go install pkg@version` refuses a module whose go.mod has replace directives,
# which Jaeger's has, so the build goes through a scratch module: `go get -tool`
# records cmd/jaeger and its whole dependency graph there, then `go build`.
# The v1.x tags of the Go module carry the v2 binary (an OpenTelemetry Collector
# distribution), configured by a YAML file (written by `start`).
#
# Environment knobs (all optional):
#   MG_CACHE_DIR     persistent cache (Go module/build caches, binaries)   [/var/cache/marketgraph-ci]
#   MG_CI_DIR        per-run state: pid file, log, config, env file        [/tmp/marketgraph-ci]
#   JAEGER_VERSION   Go module version of github.com/jaegertracing/jaeger  [v1.75.0]
#   JAEGER_READY_TIMEOUT  seconds to wait for the query API                [60]
#   MG_JAEGER_OTLP_PORT, MG_JAEGER_QUERY_PORT  first ports tried (OTLP/HTTP, query HTTP) [54318, 56686]
set -euo pipefail

JAEGER_VERSION="${JAEGER_VERSION:-v1.75.0}"
JAEGER_MODULE="github.com/jaegertracing/jaeger"

MG_CACHE_DIR="${MG_CACHE_DIR:-/var/cache/marketgraph-ci}"
MG_CI_DIR="${MG_CI_DIR:-/tmp/marketgraph-ci}"
JAEGER_READY_TIMEOUT="${JAEGER_READY_TIMEOUT:-60}"

BIN="${MG_CACHE_DIR}/bin/jaeger-${JAEGER_VERSION}"
PID_FILE="${MG_CI_DIR}/jaeger.pid"
PORTS_FILE="${MG_CI_DIR}/jaeger.ports"
LOG_FILE="${MG_CI_DIR}/jaeger.log"
CONFIG_FILE="${MG_CI_DIR}/jaeger.yaml"
ENV_FILE="${MG_CI_DIR}/env"

log() { echo "[jaeger] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------

build() {
  if [[ -x "$BIN" ]]; then
    log "binary present: $BIN"
    return 0
  fi
  command -v go >/dev/null || die "go not found on PATH (Jaeger ${JAEGER_VERSION} needs Go >= 1.24)"
  mkdir -p "${MG_CACHE_DIR}/bin" "${MG_CACHE_DIR}/go"
  # Own lock (not Weaviate's): the two builds may run side by side.
  (
    flock 9
    if [[ -x "$BIN" ]]; then
      log "binary present: $BIN"
    else
      build_locked
    fi
  ) 9>"${MG_CACHE_DIR}/bin/.jaeger-build.lock"
}

build_locked() {
  local scratch
  scratch="$(mktemp -d "${MG_CACHE_DIR}/bin/.jaeger.XXXXXX")"
  log "building ${JAEGER_MODULE}/cmd/jaeger@${JAEGER_VERSION} (cold: several minutes)"
  local start=$SECONDS
  # Same settings as the Weaviate build: GOWORK=off and a scratch dir so no
  # surrounding go.mod interferes; GOTOOLCHAIN=local; static binary; -p 2 on
  # a 2-core machine. Output to a temp name, then rename: never a half file at ${BIN}.
  if ! (cd "$scratch" && export \
        GOMODCACHE="${MG_CACHE_DIR}/go/mod" \
        GOCACHE="${MG_CACHE_DIR}/go/build" \
        GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 \
        GOFLAGS="-modcacherw -buildvcs=false" \
        && go mod init marketgraph-ci/jaeger-build >/dev/null 2>&1 \
        && go get -tool "${JAEGER_MODULE}/cmd/jaeger@${JAEGER_VERSION}" \
        && go build -p 2 -trimpath -o "${scratch}/jaeger" "${JAEGER_MODULE}/cmd/jaeger"); then
    rm -rf "$scratch"
    die "build of cmd/jaeger@${JAEGER_VERSION} failed (see output above)"
  fi
  mv "${scratch}/jaeger" "$BIN"
  rm -rf "$scratch"
  log "built $BIN in $((SECONDS - start))s"
}

# ---------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# First free port at or above $1 that is not in the list $2.
free_port() {
  local p=$1 taken=" ${2:-} "
  while port_in_use "$p" || [[ "$taken" == *" $p "* ]]; do
    p=$((p + 1))
  done
  echo "$p"
}

proc_state() {
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || true
  echo "${state:--}"
}

alive() {
  [[ "$(proc_state "$1")" != [-ZX] ]]
}

running() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && alive "$pid" \
    && tr '\0' ' ' 2>/dev/null <"/proc/${pid}/cmdline" | grep -q "jaeger-${JAEGER_VERSION}"
}

env_lines() {
  local otlp query
  read -r otlp query _ _ _ <"$PORTS_FILE"
  echo "export JAEGER_OTLP_URL=http://127.0.0.1:${otlp}"
  echo "export JAEGER_QUERY_URL=http://127.0.0.1:${query}"
}

# ${MG_CI_DIR}/env is shared with the other scripts: add only our own lines, once.
write_env() {
  local line
  touch "$ENV_FILE"
  while IFS= read -r line; do
    grep -qxF "$line" "$ENV_FILE" || echo "$line" >>"$ENV_FILE"
  done < <(env_lines)
}

remove_env() {
  [[ -f "$ENV_FILE" ]] || return 0
  sed -i '/^export JAEGER_\(OTLP\|QUERY\)_URL=/d' "$ENV_FILE"
  [[ -s "$ENV_FILE" ]] || rm -f "$ENV_FILE"
}

# All listeners on loopback and on free ports: Jaeger's defaults (4317, 4318,
# 16686, 16685, 13133, 8888) are well-known and another collector may hold them.
# Memory storage: every run starts empty, nothing to delete but the process.
write_config() {
  local otlp query grpc_otlp grpc_query health
  read -r otlp query grpc_otlp grpc_query health <"$PORTS_FILE"
  cat >"$CONFIG_FILE" <<EOF
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${grpc_query}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
      grpc:
        endpoint: 127.0.0.1:${grpc_otlp}
processors:
  batch:
    # Export to storage quickly: the tests look a trace up right after sending it.
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
EOF
}

fail_start() {
  log "ERROR: $*"
  log "---- last 40 lines of ${LOG_FILE} ----"
  tail -n 40 "$LOG_FILE" >&2 || true
  stop_server
  exit 1
}

start() {
  command -v curl >/dev/null || die "curl is required (apt-get install curl)"
  mkdir -p "$MG_CI_DIR"
  if running; then
    log "already running (pid $(cat "$PID_FILE"))"
    write_env
    return 0
  fi
  build

  local otlp query grpc_otlp grpc_query health
  otlp="$(free_port "${MG_JAEGER_OTLP_PORT:-54318}")"
  query="$(free_port "${MG_JAEGER_QUERY_PORT:-56686}" "$otlp")"
  grpc_otlp="$(free_port 54317 "$otlp $query")"
  grpc_query="$(free_port 56685 "$otlp $query $grpc_otlp")"
  health="$(free_port 53133 "$otlp $query $grpc_otlp $grpc_query")"
  echo "$otlp $query $grpc_otlp $grpc_query $health" >"$PORTS_FILE"
  write_config
  : >"$LOG_FILE"

  log "starting jaeger ${JAEGER_VERSION}: otlp/http ${otlp}, query http ${query}"
  # stdin/stdout/stderr detached so a caller piping our output is not kept waiting.
  (
    cd "$MG_CI_DIR"
    exec env GOMEMLIMIT="${JAEGER_GOMEMLIMIT:-512MiB}" "$BIN" --config "file:${CONFIG_FILE}"
  ) </dev/null >>"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"

  wait_ready "$query" "$otlp"
  write_env
  log "ready: OTLP http://127.0.0.1:${otlp}, query http://127.0.0.1:${query}; log: ${LOG_FILE}"
}

# Ready = the query API answers and the OTLP receiver listens. Fail fast if the
# process dies.
wait_ready() {
  local deadline code
  deadline=$((SECONDS + JAEGER_READY_TIMEOUT))
  while :; do
    alive "$(cat "$PID_FILE")" || fail_start "jaeger exited during startup"
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://127.0.0.1:$1/api/services" || true)"
    [[ "$code" == 200 ]] && port_in_use "$2" && break
    ((SECONDS < deadline)) || fail_start "not ready after ${JAEGER_READY_TIMEOUT}s (last HTTP status: ${code:-none})"
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------
# stop
# ---------------------------------------------------------------------------

stop_server() {
  if running; then
    local pid i
    pid="$(cat "$PID_FILE")"
    log "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do   # up to 10 s
      alive "$pid" || break
      sleep 0.1
    done
    alive "$pid" && { log "still alive after 10s, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$PID_FILE"
}

stop() {
  stop_server
  remove_env
  rm -f "$LOG_FILE" "$CONFIG_FILE" "$PORTS_FILE"
  rmdir "$MG_CI_DIR" 2>/dev/null || true
  log "stopped; log, config and env lines removed"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 build|start|stop" >&2; exit 2 ;;
esac
