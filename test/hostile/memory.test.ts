import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { breakers, EMBEDDED, healthy, post, underAttack } from './probe.js';

/**
 * Issue 13, "memory the client can grow": a client sends more distinct keys than any bound,
 * to a gateway in its own process; its RSS stays within a stated bound and it keeps answering.
 */
const INSERT = 'mutation($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index } } }';
const MiB = 2 ** 20;

describe('distinct symbols in insertTicks', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await spawnGateway({ ...EMBEDDED, SEED_DEMO_DATA: 'true' });
  }, 180_000);
  afterAll(() => gateway?.stop());

  // Many small batches rather than a few of 100,000 ticks: parsing an 11 MB body leaves ~100 MB of
  // garbage whose collection moved RSS by -117 to +113 MiB between runs, drowning the signal.
  const BATCH = 10_000;
  const BATCHES = 200;
  it(`leave no memory behind: ${(BATCH * BATCHES).toLocaleString('en')} made-up symbols in ${BATCHES} batches are rejected, and RSS grows by less than 150 MiB`, async () => {
    const time = new Date(Date.now() - 5_000).toISOString();
    // Symbols of the longest valid shape (32 characters), each used once.
    const symbol = (n: number, i: number) => `Z${n}X${i}`.padEnd(32, 'Q');
    const batch = (n: number) => JSON.stringify({ query: INSERT, variables: { ticks: Array.from({ length: BATCH }, (_, i) => ({ symbol: symbol(n, i), time, bid: 1, ask: 1.1 })) } });
    // Warm-up: the first batches grow the heap to its working size whatever the symbols (with 10,
    // Node 24 in CI still grew it by 113 MiB during the 200 that follow).
    for (let n = 0; n < 50; n++) await post(gateway.url, batch(1_000 + n));

    const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, async () => {
      const answers = [];
      for (let n = 0; n < BATCHES; n++) answers.push(await post(gateway.url, batch(n)));
      return answers;
    });
    const slowest = Math.max(...result.map((a) => a.ms));
    console.info(`${BATCHES} x ${BATCH} made-up symbols: slowest answer ${Math.round(slowest)} ms, RSS growth ${(rssGrowthBytes / MiB).toFixed(0)} MiB, slowest /healthz ${Math.round(slowestHealthMs)} ms`);
    for (const answer of result) {
      expect(answer.status).toBe(200);
      expect(answer.body.data.insertTicks).toMatchObject({ accepted: 0, duplicates: 0 });
      expect(answer.body.data.insertTicks.rejected).toHaveLength(BATCH);
    }
    // The map this bounds grew RSS by 473 MiB over these 200 batches at c7dd339 (about 2.4 MiB a
    // batch); a bounded gateway's RSS moves by tens of MiB with its garbage collector.
    expect(rssGrowthBytes).toBeLessThan(150 * MiB);
    expect(await healthy(gateway)).toBe(true);
    expect(Object.values(await breakers(gateway)).every((state) => state === 'closed')).toBe(true);
  }, 300_000);
});
