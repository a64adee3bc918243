#!/usr/bin/env bash
# .ci/weaviate.sh — build and run a real, single-node Weaviate for CI tests.
#
#   bash .ci/weaviate.sh build   # compile weaviate-server from the Go module (skipped if cached)
#   bash .ci/weaviate.sh start   # build if needed, start in background, wait until ready
#   bash .ci/weaviate.sh stop    # stop it; delete its data, log and env lines
#   bash .ci/weaviate.sh pause | resume | kill   # SIGSTOP / SIGCONT / SIGKILL (fault tests)
#
# `start` after a `kill` is a restart of the same server: it keeps the data and
# the ports of the first start. Only `stop` deletes them.
#
# Why build from source: the CI machines reach package registries only (no Docker
# Hub, no GitHub release downloads), but the Go module proxy serves Weaviate's
# source, and `go install` of its server command yields the same server binary
# that Weaviate ships in its images.
#
# Environment knobs (all optional):
#   MG_CACHE_DIR     persistent cache (Go module/build caches, binaries)   [/var/cache/marketgraph-ci]
#   MG_CI_DIR        per-run state: pid file, log, data, env file           [/tmp/marketgraph-ci]
#   WEAVIATE_VERSION Go module version of github.com/weaviate/weaviate      [see default below]
#   WEAVIATE_READY_TIMEOUT  seconds to wait for /v1/.well-known/ready       [120]
#   MG_WEAVIATE_HTTP_PORT, MG_WEAVIATE_GRPC_PORT  ports of a first start       [58080, 50051]
#     (not WEAVIATE_GRPC_PORT: that is the gateway's own setting, which the env
#     file exports, so a shell that sourced another set's env would pass it on)
set -euo pipefail

# v1.38.14 is the newest v1.38 patch whose whole dependency graph the module
# proxy serves: v1.38.15 needs github.com/weaviate/sroar v0.0.17 and
# v1.38.16/17 need sroar v0.0.18, and the proxy refuses both ("This module
# version is not available"), so their builds fail while downloading.
WEAVIATE_VERSION="${WEAVIATE_VERSION:-v1.38.14}"
WEAVIATE_MODULE="github.com/weaviate/weaviate"

MG_CACHE_DIR="${MG_CACHE_DIR:-/var/cache/marketgraph-ci}"
MG_CI_DIR="${MG_CI_DIR:-/tmp/marketgraph-ci}"

WEAVIATE_READY_TIMEOUT="${WEAVIATE_READY_TIMEOUT:-120}"

BIN="${MG_CACHE_DIR}/bin/weaviate-server-${WEAVIATE_VERSION}"
DATA_DIR="${MG_CI_DIR}/weaviate"
PID_FILE="${MG_CI_DIR}/weaviate.pid"
PORTS_FILE="${MG_CI_DIR}/weaviate.ports"
LOG_FILE="${MG_CI_DIR}/weaviate.log"
ENV_FILE="${MG_CI_DIR}/env"

# Fixed ports (the tests get them through ${MG_CI_DIR}/env), chosen at the first
# start and kept in ${PORTS_FILE} with the internal ones until `stop`: a restart
# must come back on the same addresses, since its Raft state names them.
GOSSIP_PORT='' DATA_PORT='' RAFT_PORT='' RAFT_RPC_PORT=''
if [[ -f "$PORTS_FILE" ]]; then
  read -r WEAVIATE_HTTP_PORT WEAVIATE_GRPC_PORT GOSSIP_PORT DATA_PORT RAFT_PORT RAFT_RPC_PORT <"$PORTS_FILE"
else
  WEAVIATE_HTTP_PORT="${MG_WEAVIATE_HTTP_PORT:-58080}"
  WEAVIATE_GRPC_PORT="${MG_WEAVIATE_GRPC_PORT:-50051}"
fi
BASE_URL="http://127.0.0.1:${WEAVIATE_HTTP_PORT}"

log() { echo "[weaviate] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------
# build
# ---------------------------------------------------------------------------

# Compile weaviate-server into ${BIN}. Idempotent: an existing binary is reused,
# which is what makes a warm machine's `start` take seconds instead of ~6 min.
# The Go module and build caches live under ${MG_CACHE_DIR}/go, so even a new
# version only downloads/compiles what changed.
build() {
  if [[ -x "$BIN" ]]; then
    log "binary present: $BIN"
    return 0
  fi
  command -v go >/dev/null || die "go not found on PATH (Weaviate ${WEAVIATE_VERSION} needs Go >= 1.26)"
  mkdir -p "${MG_CACHE_DIR}/bin" "${MG_CACHE_DIR}/go"
  # Serialise concurrent builds (two CI steps racing) on a lock file. The lock
  # is held in a subshell so its fd is not inherited by a server we start later.
  (
    flock 9
    if [[ -x "$BIN" ]]; then   # another process finished it while we waited
      log "binary present: $BIN"
    else
      build_locked
    fi
  ) 9>"${MG_CACHE_DIR}/bin/.build.lock"
}

build_locked() {
  # go install names the binary after the package; install into a scratch
  # GOBIN and rename, so a half-written file never sits at ${BIN}.
  local tmp_bin
  tmp_bin="$(mktemp -d "${MG_CACHE_DIR}/bin/.tmp.XXXXXX")"
  log "building ${WEAVIATE_MODULE}/cmd/weaviate-server@${WEAVIATE_VERSION} (cold: ~6 min, ~2 GB RAM)"
  local start=$SECONDS
  # - run from the scratch dir with GOWORK=off so no surrounding go.mod/go.work interferes;
  # - GOTOOLCHAIN=local: fail clearly rather than fetch another Go toolchain;
  # - CGO_ENABLED=0: static binary, no C compiler needed (as Weaviate's own images);
  # - -modcacherw: module cache stays deletable with plain `rm -rf`;
  # - -p 2: this is a 2-core machine; the link step alone peaks at ~2 GB RSS.
  if ! (cd "$tmp_bin" && env \
        GOMODCACHE="${MG_CACHE_DIR}/go/mod" \
        GOCACHE="${MG_CACHE_DIR}/go/build" \
        GOBIN="$tmp_bin" \
        GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 \
        GOFLAGS="-modcacherw -buildvcs=false" \
        go install -p 2 -trimpath "${WEAVIATE_MODULE}/cmd/weaviate-server@${WEAVIATE_VERSION}"); then
    rm -rf "$tmp_bin"
    die "go install of weaviate-server@${WEAVIATE_VERSION} failed (see output above)"
  fi
  mv "${tmp_bin}/weaviate-server" "$BIN"
  rm -rf "$tmp_bin"
  log "built $BIN in $((SECONDS - start))s"
}

# ---------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------

# True if something accepts TCP connections on 127.0.0.1:$1. A listener bound
# to 0.0.0.0 or [::] answers here too. Uses bash's /dev/tcp: no extra tools.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print the first free port at or above $1 that is not in the list $2.
free_port() {
  local p=$1 taken=" ${2:-} "
  while port_in_use "$p" || [[ "$taken" == *" $p "* ]]; do
    p=$((p + 1))
  done
  echo "$p"
}

# The state letter of process $1 (R, S, T, Z, ...), or "-" if it is gone.
proc_state() {
  local state
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || true
  echo "${state:--}"
}

# True once process $1 has exited entirely: a killed Go server shows its main
# thread as a zombie while other threads are still exiting and holding its
# ports, so a zombie counts only once no other thread is left.
gone() {
  local state tasks
  state="$(proc_state "$1")"
  [[ "$state" == [-X] ]] && return 0
  [[ "$state" == Z ]] || return 1
  tasks=("/proc/$1/task/"*)
  ((${#tasks[@]} <= 1))
}

# True if process $1 exists and is not a zombie. `kill -0` is not enough: a
# server that crashed while this script (its parent) still runs stays a zombie.
alive() {
  [[ "$(proc_state "$1")" != [-ZX] ]]
}

# True if the pid file names a live weaviate-server process (guards against
# a stale pid file whose pid now belongs to something else).
running() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && alive "$pid" \
    && tr '\0' ' ' 2>/dev/null <"/proc/${pid}/cmdline" | grep -q weaviate-server
}

# ${MG_CI_DIR}/env is shared with .ci/services.sh: add only our own lines
# (once, so calling `start` twice does not duplicate them), and on stop remove
# only those.
ENV_LINES=(
  "export WEAVIATE_URL=${BASE_URL}"
  "export WEAVIATE_GRPC_PORT=${WEAVIATE_GRPC_PORT}"
)

write_env() {
  local line
  touch "$ENV_FILE"
  for line in "${ENV_LINES[@]}"; do
    grep -qxF "$line" "$ENV_FILE" || echo "$line" >>"$ENV_FILE"
  done
}

remove_env() {
  [[ -f "$ENV_FILE" ]] || return 0
  local rest
  rest="$(grep -vxF -f <(printf '%s\n' "${ENV_LINES[@]}") "$ENV_FILE" || true)"
  if [[ -n "$rest" ]]; then echo "$rest" >"$ENV_FILE"; else rm -f "$ENV_FILE"; fi
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
    log "already running (pid $(cat "$PID_FILE")) at ${BASE_URL}"
    write_env
    return 0
  fi

  build

  # A restart (after `kill`) keeps the data and takes the ports it had; a first
  # start begins with an empty data dir.
  local restart=
  [[ -f "$PORTS_FILE" && -d "$DATA_DIR" ]] && restart=1

  # Refuse to start if our ports are taken: otherwise the readiness probe
  # could be answered by some other server and the tests would hit it.
  local p
  for p in "$WEAVIATE_HTTP_PORT" "$WEAVIATE_GRPC_PORT" $GOSSIP_PORT $DATA_PORT $RAFT_PORT $RAFT_RPC_PORT; do
    port_in_use "$p" && die "port $p is already in use on 127.0.0.1 ($(ss -ltnpH "sport = :$p" 2>/dev/null || true))${restart:+; \`stop\` deletes the data and frees the choice of ports}"
  done

  if [[ -z "$restart" ]]; then
    # Internal cluster ports are nobody's business but Weaviate's: take free
    # ones instead of the defaults (7946/7947 gossip+data, 8300/8301 Raft) so we
    # never collide with e.g. a Consul agent on the same machine.
    GOSSIP_PORT="$(free_port 57946)"
    DATA_PORT="$(free_port $((GOSSIP_PORT + 1)) "$GOSSIP_PORT")"
    RAFT_PORT="$(free_port 58300 "$GOSSIP_PORT $DATA_PORT")"
    RAFT_RPC_PORT="$(free_port $((RAFT_PORT + 1)) "$GOSSIP_PORT $DATA_PORT $RAFT_PORT")"
    # Fresh data dir on a first start: Raft state left by a run at other
    # addresses would make the node wait for peers that are not there.
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
    echo "$WEAVIATE_HTTP_PORT $WEAVIATE_GRPC_PORT $GOSSIP_PORT $DATA_PORT $RAFT_PORT $RAFT_RPC_PORT" >"$PORTS_FILE"
    : >"$LOG_FILE"
  fi

  log "${restart:+re}starting weaviate ${WEAVIATE_VERSION}: http ${WEAVIATE_HTTP_PORT}, grpc ${WEAVIATE_GRPC_PORT}, gossip ${GOSSIP_PORT}, data ${DATA_PORT}, raft ${RAFT_PORT}/${RAFT_RPC_PORT}"
  # Notes on the settings:
  # - ENABLE_MODULES= and API_BASED_MODULES_DISABLED=true: no modules at all.
  #   With ENABLE_MODULES empty alone, Weaviate still registers ~45 API-based
  #   vectorizer/generative/reranker modules (OpenAI, Cohere, ...).
  # - RAFT_JOIN=node1 + RAFT_BOOTSTRAP_EXPECT=1: single-node Raft cluster.
  # - RAFT_TIMEOUTS_MULTIPLIER=1: the default 5 makes a lone node wait 5-10 s
  #   for a leader-election heartbeat timeout before it reports ready.
  # - GO_PROFILING_DISABLE=true: otherwise a pprof listener binds 0.0.0.0:6060.
  # - GOMEMLIMIT: Weaviate's memory-pressure checks are inert without it, and CI
  #   data is tiny; 2 GiB keeps it a good neighbour on a 24 GB machine.
  # - Weaviate binds the gRPC port and the cluster data port on all interfaces
  #   (not configurable); HTTP, gossip and Raft stay on 127.0.0.1.
  # stdin/stdout/stderr are detached so a caller piping our output (| tee) is
  # not kept waiting by the background server.
  (
    cd "$MG_CI_DIR"
    exec env \
      AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=true \
      AUTHORIZATION_ADMINLIST_ENABLED=false \
      DEFAULT_VECTORIZER_MODULE=none \
      ENABLE_MODULES= \
      API_BASED_MODULES_DISABLED=true \
      PERSISTENCE_DATA_PATH="$DATA_DIR" \
      QUERY_DEFAULTS_LIMIT=25 \
      CLUSTER_HOSTNAME=node1 \
      CLUSTER_BIND_ADDR=127.0.0.1 \
      CLUSTER_GOSSIP_BIND_PORT="$GOSSIP_PORT" \
      CLUSTER_DATA_BIND_PORT="$DATA_PORT" \
      RAFT_PORT="$RAFT_PORT" \
      RAFT_INTERNAL_RPC_PORT="$RAFT_RPC_PORT" \
      RAFT_JOIN=node1 \
      RAFT_BOOTSTRAP_EXPECT=1 \
      RAFT_TIMEOUTS_MULTIPLIER=1 \
      GRPC_PORT="$WEAVIATE_GRPC_PORT" \
      DISABLE_TELEMETRY=true \
      GO_PROFILING_DISABLE=true \
      PROMETHEUS_MONITORING_ENABLED=false \
      GOMEMLIMIT="${WEAVIATE_GOMEMLIMIT:-2GiB}" \
      LOG_LEVEL=info \
      "$BIN" --host 127.0.0.1 --port "$WEAVIATE_HTTP_PORT" --scheme http
  ) </dev/null >>"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"

  wait_ready
  write_env
  log "ready at ${BASE_URL} (grpc 127.0.0.1:${WEAVIATE_GRPC_PORT}); log: ${LOG_FILE}"
}

# Poll the readiness endpoint until 200, while making sure our own process is
# still alive (a crash should fail fast, not after the whole timeout).
wait_ready() {
  local deadline code
  deadline=$((SECONDS + WEAVIATE_READY_TIMEOUT))
  while :; do
    # The pid is the subshell's until it execs weaviate-server: on a busy machine the
    # first check can come before the exec, so only the process's death counts here.
    alive "$(cat "$PID_FILE")" || fail_start "weaviate-server exited during startup"
    code="$(curl -s -o /dev/null -m 2 -w '%{http_code}' "${BASE_URL}/v1/.well-known/ready" || true)"
    [[ "$code" == 200 ]] && break
    ((SECONDS < deadline)) || fail_start "not ready after ${WEAVIATE_READY_TIMEOUT}s (last HTTP status: ${code:-none})"
    sleep 0.5
  done
  # The REST API comes up after gRPC, but check anyway: tests use both.
  port_in_use "$WEAVIATE_GRPC_PORT" || fail_start "ready, but nothing listens on gRPC port ${WEAVIATE_GRPC_PORT}"
}

# ---------------------------------------------------------------------------
# stop
# ---------------------------------------------------------------------------

# SIGTERM lets Weaviate flush and close its stores (takes <1 s with CI data);
# SIGKILL only if it hangs. Then delete the data: every run starts empty.
stop_server() {
  if running; then
    local pid i
    pid="$(cat "$PID_FILE")"
    log "stopping pid $pid"
    kill -CONT "$pid" 2>/dev/null || true   # a paused server cannot shut down
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do   # up to 20 s
      gone "$pid" && break
      sleep 0.1
    done
    if ! gone "$pid"; then
      log "still alive after 20s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$PID_FILE" "$PORTS_FILE"
  rm -rf "$DATA_DIR"
}

# signal_server SIGNAL: signal the running server and return once it took
# effect (stopped, running again, gone), so fault tests need no sleeps.
signal_server() {
  running || die "weaviate is not running"
  local pid i
  pid="$(cat "$PID_FILE")"
  kill -s "$1" "$pid"
  for ((i = 0; i < 100; i++)); do   # up to 10 s
    case $1 in
      STOP) [[ "$(proc_state "$pid")" == T ]] && return 0 ;;
      CONT) [[ "$(proc_state "$pid")" != T ]] && return 0 ;;
      KILL) gone "$pid" && return 0 ;;
    esac
    sleep 0.1
  done
  die "weaviate (pid $pid) did not react to SIG$1"
}

# Full teardown: server, data, log, our env lines, and ${MG_CI_DIR} itself
# unless another script (services.sh) still has files there.
stop() {
  stop_server
  rm -f "$LOG_FILE"
  remove_env
  rmdir "$MG_CI_DIR" 2>/dev/null || true
  log "stopped; data, log and env lines removed"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  pause) signal_server STOP ;;
  resume) signal_server CONT ;;
  kill) signal_server KILL ;;
  *) echo "usage: $0 build|start|stop|pause|resume|kill" >&2; exit 2 ;;
esac
