import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

const EMBEDDED = { POSTGRES_URL: '', CLICKHOUSE_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', WEAVIATE_URL: '', ARANGO_URL: '' };
const REPORT_MODULES = ['--import', fileURLToPath(new URL('../helpers/report-otel-modules.mjs', import.meta.url))];
// A gateway starts in seconds; on a loaded 2-core CI machine it has taken over a minute.
const START_MS = 180_000;
const TRACEPARENT = `00-${'5'.repeat(32)}-${'6'.repeat(16)}-01`;

/** An OTLP/HTTP receiver that only counts what it is sent. */
function otlpSink() {
  const requests: { path: string; type: string; bytes: number }[] = [];
  const server: Server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', bytes });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  return { requests, server };
}

async function insertOneTick(gateway: GatewayProcess): Promise<unknown> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
    body: JSON.stringify({
      query: 'mutation ($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted } }',
      variables: { ticks: [{ symbol: 'EURUSD', time: Date.now(), bid: 1.1, ask: 1.2 }] },
    }),
  });
  return res.json();
}

/**
 * A query that reads the relational store within the request (a DataLoader per request): its
 * slow-operation line (SLOW_STORE_OP_MS 0) is written in the request's context for certain. An
 * insert's store write may run in a group commit another request started, in that one's context.
 */
async function readOneInstrument(gateway: GatewayProcess): Promise<unknown> {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
    body: JSON.stringify({ query: '{ instrument(symbol: "EURUSD") { symbol } }' }),
  });
  return res.json();
}

const sdkModules = (gateway: GatewayProcess) => gateway.logs.filter((l) => l.includes('opentelemetry sdk module loaded'));
const linesWithTraceIds = (gateway: GatewayProcess) => gateway.logs.filter((l) => l.includes('"trace_id"'));

describe('tracing without an OTLP endpoint', () => {
  const sink = otlpSink();
  let sinkUrl: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    sinkUrl = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => sink.server.close(resolve));
  });

  it('loads no OpenTelemetry SDK, starts no exporter and writes no trace ids when no endpoint is set', { timeout: START_MS + 30_000 }, async () => {
    // The other OTEL_* variables alone do not turn tracing on.
    const gateway = await spawnGateway(
      { ...EMBEDDED, SEED_DEMO_DATA: 'true', SLOW_STORE_OP_MS: '0', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_SERVICE_NAME: 'untraced' },
      START_MS,
      REPORT_MODULES,
    );
    try {
      expect(await insertOneTick(gateway)).toEqual({ data: { insertTicks: { accepted: 1 } } });
      expect(await readOneInstrument(gateway)).toEqual({ data: { instrument: { symbol: 'EURUSD' } } });
      expect(gateway.logs.some((l) => l.includes('"slow store operation"'))).toBe(true); // lines were written in the request
      expect(linesWithTraceIds(gateway)).toEqual([]);
      expect(sdkModules(gateway)).toEqual([]);
    } finally {
      await gateway.stop();
    }
  });

  it('loads the SDK and exports spans over OTLP/HTTP once an endpoint is set (the check above can fail)', { timeout: START_MS + 30_000 }, async () => {
    const gateway = await spawnGateway(
      { ...EMBEDDED, SEED_DEMO_DATA: 'true', SLOW_STORE_OP_MS: '0', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl },
      START_MS,
      REPORT_MODULES,
    );
    try {
      expect(await insertOneTick(gateway)).toEqual({ data: { insertTicks: { accepted: 1 } } });
      expect(await readOneInstrument(gateway)).toEqual({ data: { instrument: { symbol: 'EURUSD' } } });
      expect(sdkModules(gateway).some((l) => l.includes('@opentelemetry/sdk-trace'))).toBe(true);
      expect(linesWithTraceIds(gateway).some((l) => l.includes('5'.repeat(32)))).toBe(true);
      const exported = await until(async () => sink.requests, (r) => r.length > 0, 10_000);
      expect(exported[0]).toMatchObject({ path: '/v1/traces', type: 'application/x-protobuf' });
    } finally {
      await gateway.stop();
    }
  });
});
