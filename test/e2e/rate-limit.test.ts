import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/api-key.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

// 1 tick a second per key, bursts of 20: slow enough that a loaded machine's pauses between
// requests do not refill a bucket before the test looks at it.
let gw: TestGateway;
const keys = {} as Record<'a' | 'b' | 'c' | 'd' | 'admin', string>;
const start = Date.now() - 3_600_000;
let next = 0;
/** `n` new ticks, each with its own time, so none is a duplicate. */
const ticks = (n: number) => Array.from({ length: n }, () => ({ symbol: 'EURUSD', time: start + next++, bid: 1.1, ask: 1.2 }));

async function insert(key: string, batch: unknown[]) {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: INSERT, variables: { ticks: batch } }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ...((await res.json()) as { data?: any; errors?: any[] }) };
}

async function storedCount(): Promise<number> {
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.admin}` },
    body: JSON.stringify({ query: `{ ticks(symbol: "EURUSD", first: 10000) { edges { cursor } } }` }),
  });
  return ((await res.json()) as any).data.ticks.edges.length;
}

beforeAll(async () => {
  gw = await startGateway({ env: { AUTH: 'required', INGEST_RATE_LIMIT_TICKS_PER_S: '1', INGEST_RATE_LIMIT_BURST: '20' } });
  for (const [name, roles] of [['a', ['ingest']], ['b', ['ingest']], ['c', ['ingest']], ['d', ['ingest']], ['admin', ['admin']]] as const) {
    const { id, key, secretHash } = generateApiKey();
    await gw.app.stores.relational.createApiKey({ id, name, roles: [...roles], secretHash });
    keys[name] = key;
  }
  const res = await fetch(gw.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.admin}` },
    body: JSON.stringify({ query: UPSERT, variables: { instruments: [instrument('EURUSD')] } }),
  });
  expect(res.status).toBe(200);
});
afterAll(async () => gw?.destroy());

describe('insertTicks rate limit per key', () => {
  it('refuses a batch over the limit with 429, Retry-After and RATE_LIMITED, storing nothing of it', async () => {
    expect((await insert(keys.a, ticks(20))).data.insertTicks.accepted).toBe(20);
    const before = await storedCount();
    gw.resetCalls();
    const refused = await insert(keys.a, ticks(10));
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(10);
    expect(refused.errors).toEqual([
      {
        message: expect.stringMatching(/limited to 1 tick a second \(bursts of 20\) per credential; nothing of this batch was stored/),
        path: ['insertTicks'],
        locations: expect.any(Array),
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: Number(refused.retryAfter) },
      },
    ]);
    expect(refused.data).toBeNull();
    expect([...gw.calls.keys()].filter((c) => c !== 'relational.findApiKey')).toEqual([]); // no store saw the batch
    expect(await storedCount()).toBe(before);
  });

  it('does not hold one key back for another', async () => {
    expect((await insert(keys.b, ticks(20))).status).toBe(200);
  });

  it('accepts the batch once Retry-After has passed', async () => {
    expect((await insert(keys.d, ticks(20))).status).toBe(200);
    // Small batches, so the wait is short; each one admitted drains the allowance further.
    let refused = await insert(keys.d, ticks(2));
    for (let i = 0; i < 5 && refused.status === 200; i++) refused = await insert(keys.d, ticks(2));
    expect(refused.status).toBe(429);
    await new Promise((r) => setTimeout(r, Number(refused.retryAfter) * 1000));
    const later = await insert(keys.d, ticks(2));
    expect(later.status).toBe(200);
    expect(later.data.insertTicks.accepted).toBe(2);
  });

  it('takes a batch larger than the burst from a full allowance, then makes the key wait it off', async () => {
    expect((await insert(keys.c, ticks(50))).data.insertTicks.accepted).toBe(50);
    const refused = await insert(keys.c, ticks(1));
    expect(refused.status).toBe(429);
    // From -30 back to 1 at 1 tick/s: 31 s, less what passed since.
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(20);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(31);
  });
});
