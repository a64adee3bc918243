import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchable, type Switchable } from '../helpers/failing-store.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';
import type { GraphStore } from '../../src/stores/graph/graph-store.js';
import type { TickStore } from '../../src/stores/ticks/tick-store.js';
import type { VectorStore } from '../../src/stores/vector/vector-store.js';
import { EVERYTHING, SEARCH_VECTOR, type Path, errorPaths, withNulls } from '../helpers/everything-query.js';

/**
 * One store's outage nulls the fields that need it, nothing else (issue 14, STYLE.md rule 5):
 * a query that asks for everything answers the rest exactly as before, with STORE_UNAVAILABLE at
 * each failed field's path, and /readyz keeps the gateway in rotation unless a store every
 * request needs is down. The adapters here fail on command (in front of embedded engines);
 * partial-results-weaviate.test.ts takes a real Weaviate away through a TCP proxy.
 */
const MINUTE = 60_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE;
const MARKET = [
  instrument('EURUSD', { sector: 'Majors' }),
  instrument('GBPUSD', { sector: 'Majors' }),
  instrument('USDJPY', { sector: 'Majors' }),
  instrument('XAUUSD', { sector: 'Metals', assetClass: 'METAL' }),
  instrument('XAGUSD', { sector: 'Metals', assetClass: 'METAL' }),
];

let gw: TestGateway;
let graph: Switchable<GraphStore>;
let vector: Switchable<VectorStore>;
let ticks: Switchable<TickStore>;
let healthy: Record<string, unknown>;

const everything = () => gw.gql(EVERYTHING, { vector: SEARCH_VECTOR, to: new Date(now).toISOString() });
const readyz = async (query = '') => {
  const res = await gw.get(`/readyz${query}`);
  return { status: res.status, body: (await res.json()) as { status: string; degraded: string[]; stores: { store: string; status: string }[] } };
};

beforeAll(async () => {
  gw = await startGateway({
    // Short breaker pauses: once healed, a store is back within a readiness probe or two.
    env: { PATTERN_LENGTH: '8', STORE_BREAKER_HALF_OPEN_MS: '200' },
    wrapStores(stores) {
      graph = switchable(stores.graph);
      vector = switchable(stores.vector);
      ticks = switchable(stores.ticks);
      return { ...stores, graph: graph.port, vector: vector.port, ticks: ticks.port };
    },
  });
  expect((await gw.gql(UPSERT, { instruments: MARKET })).data.upsertInstruments).toBe(MARKET.length);
  const series = MARKET.flatMap(({ symbol }, s) =>
    Array.from({ length: 20 }, (_, m) => {
      const bid = Number((1 + s + Math.sin(m * (s + 1)) / 100).toFixed(5));
      return { symbol, time: now - (20 - m) * MINUTE + 1000, bid, ask: bid + 0.0002 };
    }),
  );
  expect((await gw.gql(INSERT, { ticks: series })).data.insertTicks.accepted).toBe(series.length);
  expect((await gw.gql(`mutation { refreshPatterns(interval: M1) }`)).data.refreshPatterns).toBe(MARKET.length);
  const [usd, eur] = await gw.app.stores.relational.createAccounts([
    { login: '900001', name: 'USD trader', currency: 'USD', balance: 10_000 },
    { login: '900002', name: 'EUR trader', currency: 'EUR', balance: 20_000 },
  ]);
  await gw.app.stores.relational.createPositions([
    { accountId: usd!.id, symbol: 'XAUUSD', side: 'BUY', volume: 1, openPrice: 3.9, openTime: now - 10 * MINUTE },
    { accountId: eur!.id, symbol: 'EURUSD', side: 'SELL', volume: 0.5, openPrice: 1.01, openTime: now - 5 * MINUTE },
  ]);

  const res = await everything();
  expect(res.errors).toBeUndefined();
  healthy = res.data;
  // The baseline has something in every field the outages below must null.
  expect(healthy).toMatchObject({ conversionPath: { rate: expect.any(Number) }, similarPatterns: expect.arrayContaining([expect.anything()]) });
  for (const { node } of (healthy as any).instruments.edges) {
    expect(node.related.length, node.symbol).toBeGreaterThan(0);
    expect(node.similar.length, node.symbol).toBeGreaterThan(0);
    expect(node.ticks.edges.length, node.symbol).toBeGreaterThan(0);
  }
});
afterAll(() => gw?.destroy());

describe('a query that asks for everything while stores are down', () => {
  it('nulls exactly the graph and vector fields, with STORE_UNAVAILABLE at their paths, and answers everything else', async () => {
    graph.fail();
    vector.fail();
    try {
      const res = await everything();
      expect(res.status).toBe(200);
      const instruments = MARKET.map((_, i) => ['instruments', 'edges', i, 'node'] as Path);
      const accounts = [0, 1].map((i) => ['accounts', 'edges', i, 'node'] as Path);
      const expected: [Path, string][] = [
        ...instruments.flatMap((node): [Path, string][] => [[[...node, 'related'], 'graph'], [[...node, 'similar'], 'vector']]),
        ...accounts.flatMap((node): [Path, string][] => [[[...node, 'balanceIn'], 'graph'], [[...node, 'positions', 0, 'instrument', 'related'], 'graph']]),
        [['conversionPath'], 'graph'],
        [['similarPatterns'], 'vector'],
      ];
      expect(errorPaths(res.errors), JSON.stringify(res.errors)).toEqual(expected.map(([path, store]) => `${path.join('.')} ${store}`).sort());
      for (const error of res.errors!) expect(error.extensions).toEqual({ code: 'STORE_UNAVAILABLE', store: expect.any(String) });
      expect(JSON.stringify(res.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|injected/);
      expect(res.data).toEqual(withNulls(healthy, expected.map(([path]) => path)));
    } finally {
      graph.heal();
      vector.heal();
    }
  });

  it('stays ready with graph and vector down, reporting them degraded, while /readyz?strict is 503', async () => {
    graph.fail();
    vector.fail();
    try {
      const ready = await readyz();
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'degraded', degraded: ['graph', 'vector'] });
      expect(ready.body.stores.filter((s) => s.status === 'down').map((s) => s.store)).toEqual(['graph', 'vector']);
      const strict = await readyz('?strict');
      expect(strict.status).toBe(503);
      expect(strict.body).toMatchObject({ status: 'unavailable' });
    } finally {
      graph.heal();
      vector.heal();
    }
    const back = await until(() => readyz('?strict'), (r) => r.status === 200, 10_000, 100);
    expect(back.body).toMatchObject({ status: 'ready', degraded: [] });
    const res = await everything();
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(healthy);
  });

  it('is not ready while the tick store is down, and nulls only fields the tick store answers', async () => {
    ticks.fail();
    try {
      const ready = await readyz();
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ status: 'unavailable', degraded: [] });
      const res = await everything();
      expect(res.status).toBe(200);
      const failed = res.errors!.map((e) => e.path!);
      for (const error of res.errors!) expect(error.extensions).toEqual({ code: 'STORE_UNAVAILABLE', store: 'ticks' });
      // Tick pages are never cached: each of them failed. latestTick and candles may still come
      // from the cache (that is what it is for), so for them only "null where failed" is asserted.
      expect(errorPaths(res.errors)).toEqual(expect.arrayContaining([...MARKET.map((_, i) => `instruments.edges.${i}.node.ticks ticks`), 'ticks ticks']));
      expect(failed.every((path) => ['ticks', 'candles', 'latestTick', 'profit', 'rate', 'balanceIn'].includes(String(path.at(-1))))).toBe(true);
      expect(res.data).toEqual(withNulls(healthy, failed));
    } finally {
      ticks.heal();
    }
    await until(() => readyz('?strict'), (r) => r.status === 200, 10_000, 100);
  });
});
