import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';
import { wsRequest } from '../helpers/ws-request.js';

// A real Jaeger (.ci/jaeger.sh start): OTLP/HTTP in, its query API out.
const otlpUrl = process.env.JAEGER_OTLP_URL;
const queryUrl = process.env.JAEGER_QUERY_URL;
const haveJaeger = Boolean(otlpUrl && queryUrl);

// Every store embedded: the in-process write path is the one with the group commit.
const EMBEDDED = { POSTGRES_URL: '', CLICKHOUSE_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', WEAVIATE_URL: '', ARANGO_URL: '' };

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: { key: string; value: unknown }[];
}

const newTraceId = () => randomBytes(16).toString('hex');
const newSpanId = () => randomBytes(8).toString('hex');
const traceparent = (traceId: string, parentId: string) => `00-${traceId}-${parentId}-01`;

async function traceSpans(traceId: string): Promise<JaegerSpan[]> {
  const res = await fetch(`${queryUrl}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  const body = (await res.json()) as { data?: { spans: JaegerSpan[] }[] };
  return body.data?.[0]?.spans ?? [];
}

/** Reads the trace until it has every span named in `names` (spans are exported within about a second). */
function waitForSpans(traceId: string, names: string[]): Promise<JaegerSpan[]> {
  return until(() => traceSpans(traceId), (spans) => names.every((n) => spans.some((s) => s.operationName === n)), 15_000, 250);
}

const tag = (span: JaegerSpan | undefined, key: string) => span?.tags.find((t) => t.key === key)?.value;
const parentOf = (span: JaegerSpan | undefined) => span?.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
const named = (spans: JaegerSpan[], name: string) => spans.find((s) => s.operationName === name);
// A gateway starts in seconds; on a loaded 2-core CI machine it has taken over a minute.
const START_MS = 180_000;

describe.skipIf(!haveJaeger)(`traces exported to a real Jaeger${haveJaeger ? '' : ' (JAEGER_OTLP_URL, JAEGER_QUERY_URL not set: .ci/jaeger.sh start)'}`, () => {
  let gateway: GatewayProcess;

  beforeAll(async () => {
    gateway = await spawnGateway({
      ...EMBEDDED,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl!,
      OTEL_SERVICE_NAME: `marketgraph-test-${newSpanId()}`,
      SEED_DEMO_DATA: 'true',
      // Every store call is logged (as slow), so log lines are written inside traced requests.
      SLOW_STORE_OP_MS: '0',
    }, START_MS);
  }, START_MS + 10_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('traces an insertTicks request from its traceparent through the group commit to the tick store', async () => {
    const traceId = newTraceId();
    const callerSpan = newSpanId();
    const now = Date.now();
    const ticks = [
      { symbol: 'EURUSD', time: now - 2, bid: 1.23456, ask: 1.23467 },
      { symbol: 'EURUSD', time: now - 1, bid: 1.23457, ask: 1.23468 },
    ];
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: traceparent(traceId, callerSpan) },
      body: JSON.stringify({ query: 'mutation BridgeInsert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted } }', variables: { ticks } }),
    });
    expect(await res.json()).toEqual({ data: { insertTicks: { accepted: 2 } } });

    const spans = await waitForSpans(traceId, ['mutation BridgeInsert', 'Mutation.insertTicks', 'insertTicks group commit', 'insert ticks']);
    const operation = named(spans, 'mutation BridgeInsert');
    const resolver = named(spans, 'Mutation.insertTicks');
    const commit = named(spans, 'insertTicks group commit');
    const insert = named(spans, 'insert ticks');
    expect(spans.every((s) => s.traceID === traceId)).toBe(true);

    expect(parentOf(operation)).toBe(callerSpan);
    expect(tag(operation, 'span.kind')).toBe('server');
    expect(tag(operation, 'graphql.operation.type')).toBe('mutation');
    expect(tag(operation, 'graphql.operation.name')).toBe('BridgeInsert');

    expect(parentOf(resolver)).toBe(operation!.spanID);
    expect(parentOf(commit)).toBe(resolver!.spanID);
    expect(tag(commit, 'marketgraph.group.items')).toBe(2);

    expect(parentOf(insert)).toBe(commit!.spanID);
    expect(tag(insert, 'span.kind')).toBe('client');
    expect(tag(insert, 'db.system.name')).toBe('clickhouse');
    expect(tag(insert, 'db.operation.name')).toBe('insert');
    expect(tag(insert, 'db.operation.batch.size')).toBe(2);
    expect(JSON.stringify(spans)).not.toContain('1.23456'); // no tick value rides along

    // The log line of the tick store call carries the trace and the span it was written in.
    const lines = gateway.logs.filter((l) => l.includes('"slow store operation"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const insertLine = lines.find((l) => l.trace_id === traceId && l.store === 'ticks' && l.operation === 'insert');
    expect(insertLine?.span_id).toBe(commit!.spanID);
  });

  it("traces a query's store calls with database attributes and without the values they were given", async () => {
    const traceId = newTraceId();
    const symbol = 'GBPUSD';
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: traceparent(traceId, newSpanId()) },
      body: JSON.stringify({
        query: 'query Screen($symbol: String!) { instrument(symbol: $symbol) { symbol ticks(first: 3) { edges { node { bid time } } } } }',
        variables: { symbol },
      }),
    });
    const body = (await res.json()) as { data?: { instrument: { symbol: string; ticks: { edges: { node: { time: string } }[] } } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.instrument.symbol).toBe(symbol);
    // Wrapping resolvers for spans leaves the DateTime scalar as it was.
    expect(body.data?.instrument.ticks.edges[0]?.node.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const spans = await waitForSpans(traceId, ['query Screen', 'instrumentsBySymbols relational', 'page ticks']);
    const lookup = named(spans, 'instrumentsBySymbols relational');
    const page = named(spans, 'page ticks');
    expect(tag(lookup, 'db.system.name')).toBe('postgresql');
    expect(tag(lookup, 'db.operation.name')).toBe('instrumentsBySymbols');
    expect(tag(lookup, 'db.operation.batch.size')).toBe(1);
    expect(tag(page, 'db.system.name')).toBe('clickhouse');
    expect(tag(page, 'db.operation.name')).toBe('page');
    // Each store call hangs under the resolver that made it.
    expect(parentOf(page)).toBe(named(spans, 'Instrument.ticks')?.spanID);
    expect(parentOf(named(spans, 'Query.instrument'))).toBe(named(spans, 'query Screen')?.spanID);
    // The symbol was bound to both calls; no span says it.
    expect(JSON.stringify(spans.map((s) => s.tags))).not.toContain(symbol);
  });

  it('takes the traceparent of a graphql-ws connection from its connectionParams', async () => {
    const traceId = newTraceId();
    const callerSpan = newSpanId();
    const client = createClient({
      url: gateway.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { traceparent: traceparent(traceId, callerSpan) },
    });
    try {
      const result = await wsRequest(client, { query: 'query OverSocket { instrument(symbol: "EURUSD") { symbol } }' });
      expect(result.data).toEqual({ instrument: { symbol: 'EURUSD' } });
    } finally {
      await client.dispose();
    }
    const spans = await waitForSpans(traceId, ['query OverSocket', 'instrumentsBySymbols relational']);
    const operation = named(spans, 'query OverSocket');
    expect(parentOf(operation)).toBe(callerSpan);
    expect(tag(operation, 'span.kind')).toBe('server');
  });
});

const kafkaBrokers = process.env.KAFKA_BROKERS;
const haveKafka = haveJaeger && Boolean(kafkaBrokers);

describe.skipIf(!haveKafka)(`traces of the Kafka write path in a real Jaeger${haveKafka ? '' : ' (JAEGER_OTLP_URL, JAEGER_QUERY_URL or KAFKA_BROKERS not set)'}`, () => {
  let gateway: GatewayProcess;
  const service = `marketgraph-test-kafka-${newSpanId()}`;

  beforeAll(async () => {
    const run = `tracing-${process.pid}-${Date.now()}`;
    gateway = await spawnGateway({
      ...EMBEDDED,
      KAFKA_BROKERS: kafkaBrokers!,
      // A topic and sink group of this test's own on the shared broker.
      KAFKA_TOPIC: `marketgraph.${run}`,
      KAFKA_SINK_GROUP: run,
      MIGRATE_ON_START: 'true',
      SEED_DEMO_DATA: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl!,
      OTEL_SERVICE_NAME: service,
    }, START_MS);
  }, START_MS + 10_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('traces the append to Kafka in the request and each sink batch on its own', async () => {
    const traceId = newTraceId();
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: traceparent(traceId, newSpanId()) },
      body: JSON.stringify({
        query: 'mutation KafkaInsert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted } }',
        variables: { ticks: [{ symbol: 'EURUSD', time: Date.now(), bid: 1.1, ask: 1.2 }] },
      }),
    });
    expect(await res.json()).toEqual({ data: { insertTicks: { accepted: 1 } } });

    const spans = await waitForSpans(traceId, ['mutation KafkaInsert', 'append stream']);
    const append = named(spans, 'append stream');
    expect(parentOf(append)).toBe(named(spans, 'Mutation.insertTicks')?.spanID);
    expect(tag(append, 'span.kind')).toBe('producer');
    expect(tag(append, 'messaging.system')).toBe('kafka');
    expect(tag(append, 'messaging.operation.type')).toBe('send');
    expect(tag(append, 'messaging.batch.message_count')).toBe(1);

    // The sink stores the log in batches of its own, each a trace with the tick store's insert in
    // it: a batch in time order, as this one, goes as its records' rows (insertRowBinary).
    const search = `${queryUrl}/api/traces?service=${service}&operation=${encodeURIComponent('tick sink batch')}&limit=20`;
    const found = await until(
      async () => ((await (await fetch(search)).json()) as { data: { spans: JaegerSpan[] }[] }).data ?? [],
      (traces) => traces.some((t) => t.spans.some((s) => s.operationName === 'insertRowBinary ticks')),
      20_000,
      500,
    );
    const batch = found.find((t) => t.spans.some((s) => s.operationName === 'insertRowBinary ticks'))!.spans;
    const sink = named(batch, 'tick sink batch');
    expect(tag(sink, 'span.kind')).toBe('consumer');
    expect(tag(sink, 'messaging.consumer.group.name')).toMatch(/^tracing-/);
    expect(parentOf(named(batch, 'insertRowBinary ticks'))).toBe(sink!.spanID);
  });
});

describe.skipIf(!haveJaeger)(`traces on shutdown${haveJaeger ? '' : ' (JAEGER_OTLP_URL, JAEGER_QUERY_URL not set)'}`, () => {
  it('exports the spans of the last requests when the gateway is stopped', { timeout: START_MS + 60_000 }, async () => {
    const gateway = await spawnGateway({ ...EMBEDDED, OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl!, SEED_DEMO_DATA: 'true' }, START_MS);
    const traceId = newTraceId();
    try {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: traceparent(traceId, newSpanId()) },
        body: JSON.stringify({ query: 'query LastOne { instrument(symbol: "EURUSD") { symbol } }' }),
      });
      expect(await res.json()).toEqual({ data: { instrument: { symbol: 'EURUSD' } } });
    } finally {
      // At once: the spans are still in the exporter's buffer (it sends every second).
      await gateway.stop();
    }
    expect(await gateway.exited).toBe(0);
    const spans = await waitForSpans(traceId, ['query LastOne', 'instrumentsBySymbols relational']);
    expect(named(spans, 'query LastOne')).toBeDefined();
  });
});
