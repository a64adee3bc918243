#!/usr/bin/env bash
# The container image's run time, proven without Docker (issue 14). Called by .ci/run before
# `npm test`, with CI's servers in the environment (POSTGRES_URL, REDIS_URL, KAFKA_BROKERS,
# WEAVIATE_URL).
#
#   bash .ci/image-check.sh     (MG_IMAGE_LAYOUT=<dir>: use a layout made before)
#
# 1. .ci/image-layout.sh lays out the image's file tree (the Dockerfile's own build commands).
# 2. Fresh, empty stores as `docker compose up` has them, without disturbing the shared
#    servers: a new PostgreSQL database, a new Kafka topic and sink group, Redis database 15;
#    CI's Weaviate (the PricePattern collection, which the tests do not use: theirs are named
#    per run). CI has no ClickHouse or ArangoDB: ticks go to the ClickHouse HTTP test fixture
#    (chDB behind ClickHouse's HTTP protocol, from this checkout), the graph to PostgreSQL.
# 3. As compose does: `marketgraph migrate up` (the migrate service's command), then the
#    Dockerfile's CMD, both run in the layout with the image's ENV and compose's environment
#    (docker-compose.yml, x-marketgraph-environment) with the URLs above.
# 4. .ci/image-probe.mjs: /readyz is 200, a key made with the image's `marketgraph keys create`
#    reads the demo data, the market page and its script load, one SIGTERM exits 0.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
: "${POSTGRES_URL:?needs the CI servers: source \$MG_CI_DIR/env}" "${REDIS_URL:?}" "${KAFKA_BROKERS:?}" "${WEAVIATE_URL:?}"

WORK=$(mktemp -d /tmp/marketgraph-image.XXXXXX)
APP=$WORK/app
suffix=$(date +%s)_$$
DATABASE=mg_image_$suffix
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    psql "$POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${MG_IMAGE_LAYOUT:-}" ]; then
    APP=$(cd "$MG_IMAGE_LAYOUT" && pwd) # one laid out before, e.g. while changing this script
else
    echo "== image-check: laying out the image in $APP"
    bash .ci/image-layout.sh "$APP" > "$WORK/layout.log" 2>&1 || { tail -40 "$WORK/layout.log"; exit 1; }
fi

echo "== image-check: fresh stores"
psql "$POSTGRES_URL" -qc "CREATE DATABASE $DATABASE"
redis_url=${REDIS_URL%/}/15
redis-cli -u "$redis_url" FLUSHDB >/dev/null
node --import tsx test/fixtures/clickhouse-http.ts "$WORK/clickhouse" > "$WORK/clickhouse.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q '^LISTENING' "$WORK/clickhouse.log" && break; sleep 0.5; done
clickhouse_url=http://127.0.0.1:$(sed -n 's/^LISTENING //p' "$WORK/clickhouse.log")
node -e 'fetch(process.argv[1], { method: "POST", body: "CREATE DATABASE IF NOT EXISTS marketgraph" }).then((r) => process.exit(r.ok ? 0 : 1))' "$clickhouse_url/"

# The container's environment: the image's ENV, then compose's, then CI's servers in place of
# compose's host names.
image_env() {
    bash .ci/image-layout.sh --env "$APP"
    sed -n '/^x-marketgraph-environment:/,/^[^ ]/{s/^  \([A-Z_][A-Z0-9_]*\): *"\{0,1\}\([^"]*\)"\{0,1\}$/export \1=\2/p}' docker-compose.yml
    cat <<EOF
export POSTGRES_URL=$(printf %q "${POSTGRES_URL%/*}/$DATABASE")
export CLICKHOUSE_URL=$clickhouse_url
export REDIS_URL=$redis_url
export KAFKA_BROKERS=$KAFKA_BROKERS
export KAFKA_TOPIC=marketgraph.image.$suffix
export KAFKA_SINK_GROUP=marketgraph-image-$suffix
export WEAVIATE_URL=$WEAVIATE_URL WEAVIATE_GRPC_PORT=${WEAVIATE_GRPC_PORT:-50051}
unset ARANGO_URL
export GRAPH_STORE=postgres
export PORT=0 LOG_LEVEL=info
EOF
}
image_env > "$WORK/env"
mapfile -t CMD < <(bash .ci/image-layout.sh --cmd)

echo "== image-check: marketgraph migrate up (compose's migrate service)"
(cd "$APP" && env -i HOME="$WORK" bash -c 'source "$1"; shift; exec "$@"' _ "$WORK/env" marketgraph migrate up)

echo "== image-check: ${CMD[*]} (the image's CMD)"
(cd "$APP" && exec env -i HOME="$WORK" bash -c 'source "$1"; shift; exec "$@"' _ "$WORK/env" "${CMD[@]}") > "$WORK/gateway.log" 2>&1 &
gateway=$!
pids+=("$gateway")
for _ in $(seq 1 240); do grep -q '"marketgraph started"' "$WORK/gateway.log" && break; kill -0 "$gateway" 2>/dev/null || break; sleep 0.5; done
grep -q '"marketgraph started"' "$WORK/gateway.log" || { tail -30 "$WORK/gateway.log"; echo "image-check: the gateway did not start" >&2; exit 1; }
url=$(grep '"marketgraph started"' "$WORK/gateway.log" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).url)')
# The gateway binds 0.0.0.0 as in the container; it is asked on loopback.
url=${url/0.0.0.0/127.0.0.1}

echo "== image-check: probing $url"
key=$(cd "$APP" && env -i HOME="$WORK" bash -c 'source "$1"; shift; exec "$@"' _ "$WORK/env" marketgraph keys create --role admin --name image-check)
node .ci/image-probe.mjs "$url" "$key" || { tail -30 "$WORK/gateway.log"; exit 1; }

# docker stop: one SIGTERM, then SIGKILL after the grace period. It must drain and exit 0.
echo "== image-check: one SIGTERM"
started_at=$(date +%s)
kill -TERM "$gateway"
( sleep 20; kill -KILL "$gateway" 2>/dev/null ) &
watchdog=$!
status=0
wait "$gateway" || status=$?
kill "$watchdog" 2>/dev/null || true
elapsed=$(( $(date +%s) - started_at ))
if [ "$status" -ne 0 ] || ! grep -q '"marketgraph stopped"' "$WORK/gateway.log" || [ "$elapsed" -gt 10 ]; then
    tail -20 "$WORK/gateway.log"
    echo "image-check: SIGTERM gave exit $status after ${elapsed} s (want 0 within 10 s, after 'marketgraph stopped')" >&2
    exit 1
fi
echo "ok   drained and exited 0 in ${elapsed} s"
echo "== image-check: passed"
