import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type Fault, type FaultProxy } from '../helpers/fault-proxy.js';
import { type Path, errorPaths, withNulls } from '../helpers/everything-query.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

/**
 * A real vector store outage, as users run the gateway: its own process, Weaviate (the CI server,
 * shared: it is never stopped) behind a TCP proxy for its REST and its gRPC port, everything else
 * embedded. While the proxy resets or swallows the traffic, the vector fields alone are null with
 * STORE_UNAVAILABLE, /readyz stays 200 reporting the vector store degraded, /readyz?strict is 503;
 * when the network heals, every field answers again without a restart.
 */
const WEAVIATE_URL = process.env.WEAVIATE_URL;
const WEAVIATE_GRPC_PORT = process.env.WEAVIATE_GRPC_PORT ?? '50051';
const EMBEDDED = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', ARANGO_URL: '' };
const QUARTER = 15 * 60_000;
const now = Math.floor(Date.now() / QUARTER) * QUARTER;
const run = Math.random().toString(36).slice(2, 6).toUpperCase();
// Unique symbols: the collection is shared with whatever else uses this Weaviate.
const SYMBOLS = ['EURUSD', 'GBPUSD', 'XAUUSD'].map((s) => `${s}${run}`);
const VECTOR = Array.from({ length: 32 }, (_, i) => Math.sin(i + 1)); // PATTERN_LENGTH's default
// Only distances of the neighbours: other users' patterns may be among them, and they are not
// instruments this gateway knows.
const QUERY = `query($vector: [Float!]!, $to: DateTime) {
  instruments(first: 10) { edges { node {
    symbol latestTick { bid } candles(interval: M15, to: $to, limit: 2) { close } related { kind instrument { symbol } }
    similar(interval: M15, k: 2) { distance }
  } } }
  similarPatterns(vector: $vector, interval: M15, k: 2) { distance }
}`;

describe.skipIf(!WEAVIATE_URL)(`a Weaviate outage through a TCP proxy${WEAVIATE_URL ? '' : ' (no WEAVIATE_URL)'}`, () => {
  let http: FaultProxy;
  let grpc: FaultProxy;
  let gw: GatewayProcess;
  let healthy: any;
  const query = () => gw.gql(QUERY, { vector: VECTOR, to: new Date(now).toISOString() });
  const readyz = async (strict = false) => {
    const res = await fetch(new URL(strict ? '/readyz?strict' : '/readyz', gw.url));
    return { status: res.status, body: (await res.json()) as { status: string; degraded: string[] } };
  };
  const setFault = (fault: Fault) => {
    http.set(fault);
    grpc.set(fault);
  };

  beforeAll(async () => {
    const weaviate = new URL(WEAVIATE_URL!);
    http = await startFaultProxy(weaviate.host);
    grpc = await startFaultProxy(`${weaviate.hostname}:${WEAVIATE_GRPC_PORT}`);
    gw = await spawnGateway({
      ...EMBEDDED,
      WEAVIATE_URL: `http://${http.address}`,
      WEAVIATE_GRPC_PORT: String(grpc.port),
      MIGRATE_ON_START: 'true',
      STORE_BREAKER_HALF_OPEN_MS: '500',
    });
    expect((await gw.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s, { sector: 'Test' })) })).data.upsertInstruments).toBe(3);
    // 40 quarter hours of ticks each: a pattern needs 33 closes.
    const ticks = SYMBOLS.flatMap((symbol, s) =>
      Array.from({ length: 40 }, (_, q) => {
        const bid = Number((1 + s + Math.sin(q * (s + 2)) / 50).toFixed(5));
        return { symbol, time: now - (40 - q) * QUARTER + 1000, bid, ask: bid + 0.0002 };
      }),
    );
    expect((await gw.gql(INSERT, { ticks })).data.insertTicks.accepted).toBe(ticks.length);
    expect((await gw.gql(`mutation { refreshPatterns(interval: M15) }`)).data.refreshPatterns).toBe(3);
    const res = await query();
    expect(res.errors).toBeUndefined();
    healthy = res.data;
    for (const { node } of healthy.instruments.edges) expect(node.similar, node.symbol).toHaveLength(2);
  });
  afterAll(async () => {
    await gw?.stop();
    await http?.close();
    await grpc?.close();
  });

  for (const [name, fault] of [['connection resets', { kind: 'reset' }], ['a blackhole', { kind: 'blackhole' }]] as [string, Fault][]) {
    it(`nulls only the vector fields and stays ready (degraded) during ${name}, then answers everything again`, async () => {
      setFault(fault);
      try {
        const down = await until(() => readyz(), (r) => r.body.degraded.includes('vector'), 30_000, 200);
        expect(down).toEqual({ status: 200, body: expect.objectContaining({ status: 'degraded', degraded: ['vector'] }) });
        expect(await readyz(true)).toEqual({ status: 503, body: expect.objectContaining({ status: 'unavailable' }) });

        const res = await query();
        const failed: Path[] = [...SYMBOLS.map((_, i) => ['instruments', 'edges', i, 'node', 'similar']), ['similarPatterns']];
        expect(errorPaths(res.errors), JSON.stringify(res.errors)).toEqual(failed.map((path) => `${path.join('.')} vector`).sort());
        for (const error of res.errors!) expect(error.extensions).toEqual({ code: 'STORE_UNAVAILABLE', store: 'vector' });
        expect(res.data).toEqual(withNulls(healthy, failed));
      } finally {
        setFault({ kind: 'none' });
      }
      // gRPC reconnects with a backoff of its own: the fields, not only the ping, must answer again.
      const back = await until(query, (r) => r.errors === undefined, 60_000, 500);
      expect(back.errors).toBeUndefined();
      expect(back.data.instruments).toEqual(healthy.instruments);
      expect((await until(() => readyz(true), (r) => r.status === 200, 30_000, 200)).body).toMatchObject({ status: 'ready', degraded: [] });
    });
  }
});
