import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, asInput, instrument, tickSeries } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { until } from '../helpers/until.js';

/**
 * More ticks than the gateway can store at once: the batches beyond INGEST_MAX_PENDING_TICKS
 * are refused at once with 503, Retry-After and OVERLOADED, nothing of them is stored, and
 * every acknowledged tick is stored exactly once.
 */
const MAX_PENDING = 30_000;
const BATCH = 10_000;
const BATCHES = 12;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { INGEST_MAX_PENDING_TICKS: String(MAX_PENDING) } });
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD')] });
});
afterAll(() => gw?.destroy());

async function send(ticks: unknown[]) {
  const started = performance.now();
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: INSERT, variables: { ticks } }) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any, ms: performance.now() - started };
}

describe('ingest beyond capacity', () => {
  it('refuses the excess at once with 503 and Retry-After, and stores every acknowledged tick once', async () => {
    const start = Date.now() - 10 * 3_600_000;
    const batches = Array.from({ length: BATCHES }, (_, b) => asInput(tickSeries('EURUSD', start + b * BATCH * 100, BATCH, 100)));

    // The tick store (still chDB) holds its inserts until released: the batches that fit stay
    // pending, so which batches are refused, and that they are answered while the accepted ones
    // still wait for storage, does not depend on how fast this machine is.
    const ticks = gw.app.stores.ticks;
    const insert = ticks.insert.bind(ticks);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    ticks.insert = async (rows) => {
      await released;
      return insert(rows);
    };
    const answeredSoFar: Awaited<ReturnType<typeof send>>[] = [];
    const sent = batches.map((batch) => send(batch).then((answer) => (answeredSoFar.push(answer), answer)));
    const fit = MAX_PENDING / BATCH;
    // Refused at once: every refusal comes back while no accepted batch has been answered.
    const early = await until(async () => [...answeredSoFar], (a) => a.length >= BATCHES - fit, 30_000, 20);
    expect(early.map((a) => a.status)).toEqual(Array(BATCHES - fit).fill(503));
    release();
    ticks.insert = insert;
    const answers = await Promise.all(sent);

    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(accepted).toHaveLength(fit);
    expect(refused).toHaveLength(BATCHES - fit);
    for (const a of accepted) expect(a.body.data.insertTicks).toEqual({ accepted: BATCH, duplicates: 0, rejected: [] });
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('1');
      expect(r.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'OVERLOADED', retryAfterSeconds: 1 } })]);
      expect(r.body.errors[0].message).toMatch(/nothing of this batch was stored/);
    }

    const acceptedSoFar = async () => {
      const metrics = await (await gw.get('/metrics')).text();
      return Number(/marketgraph_ticks_ingested_total\{outcome="accepted"\} (\d+)/.exec(metrics)?.[1]);
    };
    expect(await acceptedSoFar()).toBe(accepted.length * BATCH);

    // The bridge waits as told and sends the refused batches again: all are stored, once.
    const retried = batches.filter((_, i) => answers[i]!.status !== 200);
    for (const batch of retried) {
      let answer = await send(batch);
      while (answer.status === 503) {
        await new Promise((r) => setTimeout(r, Number(answer.retryAfter) * 1000));
        answer = await send(batch);
      }
      expect(answer.body.data.insertTicks).toEqual({ accepted: BATCH, duplicates: 0, rejected: [] });
    }
    const stored = await gw.gql(`query($from: DateTime!) { candles(symbol: "EURUSD", interval: D1, from: $from, limit: 10) { ticks } }`, { from: start - 86_400_000 });
    expect(stored.data.candles.reduce((sum: number, c: { ticks: number }) => sum + c.ticks, 0)).toBe(BATCHES * BATCH);
  });
});
