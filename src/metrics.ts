import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric marketgraph exports, on one registry per gateway. */
export function createMetrics() {
  const registry = new Registry();
  // Under their standard names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...),
  // which ready-made dashboards and alerts for Node.js processes query.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    operationDuration: new Histogram({
      name: 'marketgraph_graphql_operation_duration_seconds',
      help: 'GraphQL operations from request to response, by operation type and name (names beyond METRICS_OPERATION_NAMES_MAX are "(other)", unnamed ones "(anonymous)", documents that did not parse or validate "(invalid)").',
      labelNames: ['operation_type', 'operation_name'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlRequests: new Counter({
      name: 'marketgraph_graphql_requests_total',
      help: 'GraphQL operations by type and outcome (ok, error).',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    }),
    storeOperations: new Histogram({
      name: 'marketgraph_store_operation_duration_seconds',
      help: 'Duration of store port calls, by store, operation and outcome (ok, error, refused_input: the store refused a value of the request).',
      labelNames: ['store', 'operation', 'outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    ticksIngested: new Counter({
      name: 'marketgraph_ticks_ingested_total',
      help: 'Ticks received by insertTicks, by outcome (accepted, duplicate, rejected).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    ingestPendingTicks: new Gauge({
      name: 'marketgraph_ingest_pending_ticks',
      help: 'Ticks handed to insertTicks and not yet stored (bounded by INGEST_MAX_PENDING_TICKS).',
      registers: [registry],
    }),
    ingestInsertTicks: new Histogram({
      name: 'marketgraph_ingest_insert_ticks',
      help: 'Ticks per insert into the tick store, by writer: group_commit (in-process stream: the insertTicks batches of one group; see INGEST_GROUP_WAIT_MS) or sink (stream server: one fetch of the log).',
      labelNames: ['writer'] as const,
      buckets: [10, 100, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 250_000, 500_000],
      registers: [registry],
    }),
    subscriptionsActive: new Gauge({
      name: 'marketgraph_subscriptions_active',
      help: 'Tick subscriptions currently open on this gateway process.',
      registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'marketgraph_store_circuit_state',
      help: 'Circuit breaker per store: 0 closed, 1 half-open, 2 open (calls fail fast).',
      labelNames: ['store'] as const,
      registers: [registry],
    }),
    subscriptionPayloads: new Counter({
      name: 'marketgraph_subscription_payloads_serialized_total',
      help: 'Tick payloads executed and serialized for WebSocket subscribers: one per tick and subscription shape, shared by every subscriber with that shape.',
      registers: [registry],
    }),
    slowSubscribers: new Counter({
      name: 'marketgraph_subscription_slow_total',
      help: 'Subscribers that fell behind by more than SUBSCRIPTION_MAX_BUFFERED_BYTES, by what was done (dropped, conflated).',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    unreadableRecords: new Counter({
      name: 'marketgraph_stream_unreadable_records_total',
      help: 'Records of the stream server\'s topic this process could not read, by reader (sink, live_feed) and outcome: skipped (passed over, no version reads it) or stopped (the sink stopped its partition at a record a later version wrote).',
      labelNames: ['reader', 'outcome'] as const,
      registers: [registry],
    }),
    sinkLagRecords: new Gauge({
      name: 'marketgraph_stream_sink_lag_records',
      help: "Records of the stream server's topic that this process's sink has not stored yet, per partition the group dealt it, as far as its last fetch of the partition saw the log's end (0: caught up). Absent without a stream server.",
      labelNames: ['partition'] as const,
      registers: [registry],
    }),
    ticksDelivered: new Counter({
      name: 'marketgraph_subscription_ticks_delivered_total',
      help: 'Ticks handed to subscriptions (one per subscription a tick matches).',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
