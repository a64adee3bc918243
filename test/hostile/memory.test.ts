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

  it('leave no memory behind: 2,000,000 made-up symbols in twenty batches are rejected, and RSS grows by less than 150 MiB', async () => {
    const time = new Date(Date.now() - 5_000).toISOString();
    // Symbols of the longest valid shape (32 characters), each used once.
    const symbol = (n: number, i: number) => `Z${n}X${i}`.padEnd(32, 'Q');
    const batch = (n: number) => JSON.stringify({ query: INSERT, variables: { ticks: Array.from({ length: 100_000 }, (_, i) => ({ symbol: symbol(n, i), time, bid: 1, ask: 1.1 })) } });
    // Warm-up: the first large batches grow the heap to its working size whatever the symbols.
    for (let n = 0; n < 3; n++) await post(gateway.url, batch(100 + n));

    const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, async () => {
      const answers = [];
      for (let n = 0; n < 20; n++) answers.push(await post(gateway.url, batch(n)));
      return answers;
    });
    const slowest = Math.max(...result.map((a) => a.ms));
    console.info(`20 x 100,000 made-up symbols: slowest answer ${Math.round(slowest)} ms, RSS growth ${(rssGrowthBytes / MiB).toFixed(0)} MiB, slowest /healthz ${Math.round(slowestHealthMs)} ms`);
    for (const answer of result) {
      expect(answer.status).toBe(200);
      expect(answer.body.data.insertTicks).toMatchObject({ accepted: 0, duplicates: 0 });
      expect(answer.body.data.insertTicks.rejected).toHaveLength(100_000);
    }
    expect(rssGrowthBytes).toBeLessThan(150 * MiB);
    expect(await healthy(gateway)).toBe(true);
    expect(Object.values(await breakers(gateway)).every((state) => state === 'closed')).toBe(true);
  }, 300_000);
});
