import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { ciManagedUrl, services } from '../helpers/ci-services.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { spawnGateway } from '../helpers/process-gateway.js';
import { until } from '../helpers/until.js';

/**
 * A server going away costs the fields that need it, nothing else, and the gateway
 * recovers by itself when it comes back. Ticks stay on the embedded engine here, so the
 * fields that read them show that the rest of a response survives.
 */
const POSTGRES_URL = ciManagedUrl('POSTGRES_URL');
const REDIS_URL = ciManagedUrl('REDIS_URL');
const STORE_TIMEOUT_MS = 1_000;

const LIMIT_MS = 30_000;
const wait = <T>(read: () => Promise<T>, ok: (v: T) => boolean, limitMs = LIMIT_MS) => until(read, ok, limitMs, 200);

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`store outages${POSTGRES_URL && REDIS_URL ? '' : ' (no .ci/services.sh servers)'}`, () => {
  let gw: TestGateway;
  const symbol = `OUT${Math.random().toString(36).slice(2, 6).toUpperCase()}`;
  const readiness = async () => {
    const res = await gw.get('/readyz');
    return { status: res.status, stores: Object.fromEntries(((await res.json()) as any).stores.map((s: any) => [s.store, s.status])) };
  };

  beforeAll(async () => {
    gw = await startGateway({ env: { POSTGRES_URL: POSTGRES_URL!, REDIS_URL: REDIS_URL!, STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS), MIGRATE_ON_START: 'true' } });
    await gw.gql(UPSERT, { instruments: [instrument(symbol)] });
    await gw.gql(INSERT, { ticks: [{ symbol, time: Date.now() - 1000, bid: 1.5, ask: 1.6 }] });
  });
  afterAll(async () => {
    await services('start-postgres');
    await services('start-redis');
    await gw?.destroy();
  });

  it('fails only the relational fields while PostgreSQL is down, and recovers without a restart', async () => {
    await services('stop-postgres');
    const ready = await wait(readiness, (r) => r.stores.relational === 'down');
    expect(ready).toMatchObject({ status: 503, stores: { relational: 'down', ticks: 'up', cache: 'up' } });

    const started = Date.now();
    const res = await gw.gql(`query($s: String!) { instrument(symbol: $s) { symbol } ticks(symbol: $s) { edges { node { bid } } } }`, { s: symbol });
    expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT_MS * 5); // within the timeout budget, not hanging
    expect(res.data.instrument).toBeNull();
    expect(res.data.ticks.edges).toEqual([{ node: { bid: 1.5 } }]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['instrument'], extensions: { code: 'STORE_UNAVAILABLE', store: 'relational' } });
    expect(JSON.stringify(res.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|55432/);

    await services('start-postgres');
    expect(await wait(readiness, (r) => r.stores.relational === 'up')).toMatchObject({ stores: { relational: 'up', ticks: 'up', cache: 'up' } });
    const back = await gw.gql(`query($s: String!) { instrument(symbol: $s) { symbol } }`, { s: symbol });
    expect(back.data.instrument).toEqual({ symbol });
  });

  it('keeps answering latestTick from the tick store while Redis is down', async () => {
    await services('stop-redis');
    // Not a store every request needs (READY_STORES): the gateway stays in rotation, degraded.
    expect(await wait(readiness, (r) => r.stores.cache === 'down')).toMatchObject({ status: 200, stores: { cache: 'down', relational: 'up' } });
    const res = await gw.gql(`query($s: String!) { instrument(symbol: $s) { latestTick { bid } } }`, { s: symbol });
    expect(res.errors).toBeUndefined();
    expect(res.data.instrument.latestTick).toEqual({ bid: 1.5 });
    await services('start-redis');
    expect(await wait(readiness, (r) => r.stores.cache === 'up')).toMatchObject({ stores: { cache: 'up', relational: 'up' } });
  });

  it('starts while PostgreSQL is down, reports it, and becomes ready when it comes back', async () => {
    await services('stop-postgres');
    // Its own process: chDB opens one data directory per process.
    const down = await spawnGateway({ POSTGRES_URL: POSTGRES_URL!, REDIS_URL: REDIS_URL!, STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS), MIGRATE_ON_START: 'true' });
    // The relational store's readiness; others (say, pgvector on a server without the
    // extension) do not decide this test.
    const readyz = async () => {
      const body = (await (await fetch(new URL('/readyz', down.url))).json()) as { stores: { store: string; status: string }[] };
      return body.stores.find((s) => s.store === 'relational')!.status === 'up' ? 200 : 503;
    };
    try {
      expect(await readyz()).toBe(503);
      const res = await down.gql(`{ instruments { edges { cursor } } }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');
      await services('start-postgres');
      expect(await wait(readyz, (s) => s === 200)).toBe(200);
      const after = await down.gql(`query($s: String!) { instrument(symbol: $s) { symbol } }`, { s: symbol });
      expect(after.data.instrument).toEqual({ symbol });
    } finally {
      await down.stop();
    }
  });
});
