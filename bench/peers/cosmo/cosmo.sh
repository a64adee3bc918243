#!/usr/bin/env bash
# WunderGraph Cosmo Router, the peer of `npm run bench:peers` (bench/peers.ts): its event-driven
# subscriptions (EDFS) read the gateway's Kafka topic directly.
#
#   bash bench/peers/cosmo/cosmo.sh build                          -> prints the router binary's path
#   bash bench/peers/cosmo/cosmo.sh compose DIR TOPIC BROKERS ADDR  -> DIR/config.yaml for `router -config`
#
# `build` builds the router from its Go module into $MG_CACHE_DIR/cosmo (once; kept between runs).
# The issue names router@0.341.0; the Go module proxy reachable here refuses that version (and
# every list or branch query), and the newest version it serves is router 0.322.1. Building that
# needs three changes, made below to a copy of the module's source:
#  - graphql-go-tools/v2 v2.5.0 instead of the pinned v2.4.4 (refused here), which asks
#    subscription sources for one more method, HashTriggerInput: it hashes the whole trigger
#    input, as the engine did itself before;
#  - a no-op stand-in for go.withmatt.com/connect-brotli (refused here), used only to register
#    with Cosmo Cloud, which an offline router never does;
#  - each subscription trigger's Kafka client is closed when the trigger ends (fixed upstream
#    after 0.322.1, so 0.341.0 has it): without it every subscribe/unsubscribe round leaks
#    broker connections.
# `compose` writes the event-driven schema for TOPIC and composes it offline with `wgc`
# (installed into the same cache), then the router's config: listen on ADDR (host:port), Kafka
# BROKERS (comma-separated), no control plane, no telemetry.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${MG_CACHE_DIR:-/var/cache/marketgraph-ci}/cosmo
ROUTER_MODULE=github.com/wundergraph/cosmo/router
ROUTER_VERSION=v0.0.0-20260611115430-e8a965a40952 # router 0.322.1
LABEL=0.322.1+marketgraph.1
TOOLS_VERSION=v2.5.0
WGC_VERSION=0.112.7
BIN=$CACHE/bin/router

build() {
  if [[ -x $BIN ]] && "$BIN" -version 2>/dev/null | grep -q "$LABEL"; then echo "$BIN"; return; fi
  mkdir -p "$CACHE/bin"
  # The checksum database does not know the router's pseudo-version nor v2.5.0.
  export GONOSUMDB=github.com/wundergraph/cosmo,github.com/wundergraph/graphql-go-tools
  export CGO_ENABLED=0 GOFLAGS=-mod=mod GOCACHE=$CACHE/gocache
  local dir src=$CACHE/src/router
  dir=$(go mod download -json "$ROUTER_MODULE@$ROUTER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  rm -rf "$src" && mkdir -p "$CACHE/src" && cp -r "$dir" "$src" && chmod -R u+w "$src"
  cd "$src"

  mkdir -p stubs/connect-brotli
  cat >stubs/connect-brotli/go.mod <<'GO'
module go.withmatt.com/connect-brotli

go 1.21

require connectrpc.com/connect v1.16.2
GO
  cat >stubs/connect-brotli/brotli.go <<'GO'
// Package brotli stands in for go.withmatt.com/connect-brotli (see bench/peers/cosmo/cosmo.sh).
package brotli

import "connectrpc.com/connect"

const Name = "gzip"

func WithCompression() connect.Option { return connect.WithOptions() }
GO
  go mod edit -replace "github.com/wundergraph/graphql-go-tools/v2=github.com/wundergraph/graphql-go-tools/v2@$TOOLS_VERSION"
  go mod edit -replace go.withmatt.com/connect-brotli=./stubs/connect-brotli

  cat >pkg/pubsub/datasource/hash_trigger_input.go <<'GO'
package datasource

import "github.com/cespare/xxhash/v2"

// HashTriggerInput (asked for by graphql-go-tools v2.5.0): the whole input, as before.
func (s *PubSubSubscriptionDataSource[C]) HashTriggerInput(input []byte, xxh *xxhash.Digest) error {
	_, err := xxh.Write(input)
	return err
}

type xxhDigest = xxhash.Digest
GO
  replace_once pkg/pubsub/datasource/datasource.go \
    $'\tSetHooks(hooks Hooks)\n' \
    $'\tSetHooks(hooks Hooks)\n\tHashTriggerInput(input []byte, xxh *xxhDigest) error\n'
  # The trigger's poller closes its Kafka client when it ends, and polls with a context that
  # ends with the subscription (it used the application's only, so an idle poller never ended).
  replace_once pkg/pubsub/kafka/adapter.go \
    $'\tgo func() {\n\n\t\tdefer p.closeWg.Done()\n' \
    $'\tgo func() {\n\n\t\tdefer p.closeWg.Done()\n\t\tdefer client.Close()\n'
  replace_once pkg/pubsub/kafka/adapter.go \
    $'\t\t\tfetches := client.PollRecords(p.ctx, 10_000)\n' \
    $'\t\t\tpollCtx, cancelPoll := context.WithCancel(ctx)\n\t\t\tstopAfter := context.AfterFunc(p.ctx, cancelPoll)\n\t\t\tfetches := client.PollRecords(pollCtx, 10_000)\n\t\t\tstopAfter()\n\t\t\tcancelPoll()\n'

  local core=$ROUTER_MODULE/core
  go build -trimpath -o "$BIN" -ldflags "-s -w -X $core.Version=$LABEL -X $core.Commit=e8a965a40952" ./cmd/router >&2
  echo "$BIN"
}

# replace_once FILE OLD NEW: fails unless OLD occurs exactly once.
replace_once() {
  python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"cosmo.sh: expected one match in {path} for {old!r}")
open(path, 'w').write(text.replace(old, new))
PY
}

compose() {
  local dir=$1 topic=$2 brokers=$3 addr=$4
  mkdir -p "$dir"
  if [[ ! -x $CACHE/wgc/node_modules/.bin/wgc ]]; then
    npm install --prefix "$CACHE/wgc" --no-audit --no-fund --loglevel=error "wgc@$WGC_VERSION" >&2
  fi
  sed "s/{{TOPIC}}/$topic/g" "$HERE/ticks-edg.graphql" >"$dir/ticks-edg.graphql"
  cp "$HERE/ticks-base.graphql" "$dir/"
  cat >"$dir/graph.yaml" <<YAML
version: 1
subgraphs:
  - name: ticks-edg
    schema:
      file: ./ticks-edg.graphql
  - name: ticks-base
    routing_url: http://127.0.0.1:9/graphql
    schema:
      file: ./ticks-base.graphql
YAML
  (cd "$dir" && "$CACHE/wgc/node_modules/.bin/wgc" router compose -i graph.yaml -o config.json >&2)
  local broker_list
  broker_list=$(echo "$brokers" | tr ',' '\n' | sed 's/.*/          - "&"/')
  cat >"$dir/config.yaml" <<YAML
version: "1"
listen_addr: "$addr"
graphql_path: /graphql
log_level: warn
json_log: true
dev_mode: false
playground:
  enabled: false
router_registration: false
shutdown_delay: 15s
grace_period: 2s
execution_config:
  file:
    path: $dir/config.json
    watch: false
events:
  providers:
    kafka:
      - id: default
        brokers:
$broker_list
telemetry:
  tracing:
    enabled: false
  metrics:
    otlp:
      enabled: false
    prometheus:
      enabled: false
graphql_metrics:
  enabled: false
YAML
  echo "$dir/config.yaml"
}

case ${1:-} in
  build) build ;;
  compose) shift; compose "$@" ;;
  *) echo "usage: $0 build | compose DIR TOPIC BROKERS HOST:PORT" >&2; exit 2 ;;
esac
