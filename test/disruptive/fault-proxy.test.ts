import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { ciManagedUrl } from '../helpers/ci-services.js';
import { networkFaults, startFaultProxy, throughProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

/**
 * Network faults between the gateway and PostgreSQL and Redis, injected by a TCP proxy on
 * loopback: the field that needs the faulty server fails with STORE_UNAVAILABLE within the
 * timeout budget while the rest of the response answers; the store's circuit opens, then
 * half-opens and closes once the network heals, with no restart.
 */
const POSTGRES_URL = ciManagedUrl('POSTGRES_URL');
const REDIS_URL = ciManagedUrl('REDIS_URL');
const TIMEOUT_MS = 400;
const FAILURES_TO_OPEN = 3;
const HALF_OPEN_MS = 1_500;
// One attempt's timeout, one retry of a fast failure, and room for a busy CI machine.
const BUDGET_MS = TIMEOUT_MS + 50 + 1_000;

const FAULTS = networkFaults(TIMEOUT_MS);

const LIMIT_MS = 20_000;
const wait = <T>(read: () => Promise<T>, ok: (v: T) => boolean, limitMs = LIMIT_MS) => until(read, ok, limitMs, 100);

describe.skipIf(!POSTGRES_URL || !REDIS_URL)(`faults between the gateway and its servers${POSTGRES_URL && REDIS_URL ? '' : ' (no .ci/services.sh servers)'}`, () => {
  let gw: TestGateway;
  let postgres: FaultProxy;
  let redis: FaultProxy;
  const symbol = `FLT${Math.random().toString(36).slice(2, 6).toUpperCase()}`;

  type Readiness = Record<'relational' | 'cache', { status: string; breaker: string }>;
  const readiness = async (): Promise<Readiness> => {
    const body = (await (await gw.get('/readyz')).json()) as { stores: { store: string; status: string; breaker: string }[] };
    return Object.fromEntries(body.stores.map((s) => [s.store, { status: s.status, breaker: s.breaker }])) as Readiness;
  };
  const timed = async <T>(work: () => Promise<T>) => {
    const started = performance.now();
    const value = await work();
    return { value, ms: performance.now() - started };
  };
  const instrumentAndTicks = () =>
    gw.gql(`query($s: String!) { instrument(symbol: $s) { symbol } ticks(symbol: $s) { edges { node { bid } } } }`, { s: symbol });

  beforeAll(async () => {
    postgres = await startFaultProxy(new URL(POSTGRES_URL!).host);
    redis = await startFaultProxy(new URL(REDIS_URL!).host);
    gw = await startGateway({
      env: {
        POSTGRES_URL: throughProxy(POSTGRES_URL!, postgres),
        REDIS_URL: throughProxy(REDIS_URL!, redis),
        STORE_TIMEOUT_MS: String(TIMEOUT_MS),
        STORE_BREAKER_FAILURES: String(FAILURES_TO_OPEN),
        STORE_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
        MIGRATE_ON_START: 'true',
      },
    });
    await gw.gql(UPSERT, { instruments: [instrument(symbol)] });
    await gw.gql(INSERT, { ticks: [{ symbol, time: Date.now() - 1000, bid: 1.5, ask: 1.6 }] });
  });
  afterAll(async () => {
    await gw?.destroy();
    await postgres?.close();
    await redis?.close();
  });

  describe.each(FAULTS)('PostgreSQL behind %s', (_, fault) => {
    it('fails only the relational field, within the budget, then fails fast once the circuit is open', async () => {
      postgres.set(fault);
      for (let i = 0; i < FAILURES_TO_OPEN; i++) {
        const { value: res, ms } = await timed(instrumentAndTicks);
        expect(ms).toBeLessThan(BUDGET_MS);
        expect(res.data.instrument).toBeNull();
        expect(res.data.ticks.edges).toEqual([{ node: { bid: 1.5 } }]);
        expect(res.errors).toEqual([expect.objectContaining({ path: ['instrument'], extensions: { code: 'STORE_UNAVAILABLE', store: 'relational' } })]);
      }
      expect((await readiness()).relational).toEqual({ status: 'down', breaker: 'open' });
      // Open: no call reaches the server, so no timeout is waited for.
      const { value: fast, ms } = await timed(instrumentAndTicks);
      expect(fast.errors?.[0]?.extensions).toEqual({ code: 'STORE_UNAVAILABLE', store: 'relational' });
      expect(ms).toBeLessThan(TIMEOUT_MS);
    });

    it('half-opens, then closes when the network heals, without a restart', async () => {
      postgres.set({ kind: 'none' });
      const healed = await wait(readiness, (r) => r.relational.breaker === 'closed' && r.relational.status === 'up', HALF_OPEN_MS * 10);
      expect(healed.relational).toEqual({ status: 'up', breaker: 'closed' });
      const res = await instrumentAndTicks();
      expect(res.errors).toBeUndefined();
      expect(res.data.instrument).toEqual({ symbol });
    });
  });

  it('a trial call that fails while half-open opens the circuit again', async () => {
    postgres.set({ kind: 'reset' });
    await wait(readiness, (r) => r.relational.breaker === 'open');
    await new Promise((r) => setTimeout(r, HALF_OPEN_MS + 100));
    // The trial call (this readiness ping) fails: open again, not closed.
    expect((await readiness()).relational).toEqual({ status: 'down', breaker: 'open' });
    postgres.set({ kind: 'none' });
    expect((await wait(readiness, (r) => r.relational.breaker === 'closed', HALF_OPEN_MS * 10)).relational.breaker).toBe('closed');
  });

  describe.each(FAULTS)('Redis behind %s', (_, fault) => {
    it('latestTick still answers from the tick store within the budget, and the cache circuit opens and closes', async () => {
      redis.set(fault);
      for (let i = 0; i < FAILURES_TO_OPEN + 1; i++) {
        const { value: res, ms } = await timed(() => gw.gql(`query($s: String!) { instrument(symbol: $s) { latestTick { bid } } }`, { s: symbol }));
        expect(ms).toBeLessThan(BUDGET_MS);
        expect(res.errors).toBeUndefined();
        expect(res.data.instrument.latestTick).toEqual({ bid: 1.5 });
      }
      expect((await readiness()).cache).toEqual({ status: 'down', breaker: 'open' });
      redis.set({ kind: 'none' });
      expect((await wait(readiness, (r) => r.cache.breaker === 'closed' && r.cache.status === 'up', HALF_OPEN_MS * 10)).cache).toEqual({
        status: 'up',
        breaker: 'closed',
      });
    });
  });
});
