import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_BUCKETS } from '../../src/candles/candle-cache.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
const CHUNK_MS = CHUNK_BUCKETS * 60_000; // M1
// Two whole M1 chunks, two days back: closed, so cacheable.
const start = Math.floor((Date.now() - 2 * 86_400_000) / CHUNK_MS) * CHUNK_MS;
const end = start + 2 * CHUNK_MS;
const QUERY = `query($from: DateTime!, $to: DateTime!) { candles(symbol: "EURUSD", interval: M1, from: $from, to: $to, limit: 10000) { time open high low close ticks } }`;

beforeAll(async () => {
  gw = await startGateway();
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD')] });
  const ticks = [];
  for (let t = start; t < end; t += 20_000) ticks.push({ symbol: 'EURUSD', time: t, bid: 1 + (t % 7) / 1000, ask: 1.01 });
  expect((await gw.gql(INSERT, { ticks })).data.insertTicks.accepted).toBe(ticks.length);
});
afterAll(() => gw.destroy());

describe('candle cache', () => {
  it('computes closed buckets once and serves them from the cache afterwards', async () => {
    gw.resetCalls();
    const first = (await gw.gql(QUERY, { from: start, to: end })).data.candles;
    expect(first).toHaveLength(2 * CHUNK_BUCKETS);
    expect(gw.calls.get('ticks.candles')).toBe(1); // both chunks in one query

    gw.resetCalls();
    const second = (await gw.gql(QUERY, { from: start, to: end })).data.candles;
    expect(second).toEqual(first);
    expect(gw.calls.get('ticks.candles')).toBeUndefined();
  });

  it('gives the same candles as the tick store for ranges that cut through cached chunks', async () => {
    const from = start + 37 * 60_000 + 5_000; // not even on a bucket edge
    const to = end - 11 * 60_000;
    const viaCache = (await gw.gql(QUERY, { from, to })).data.candles;
    const direct = await gw.app.stores.ticks.candles({ symbol: 'EURUSD', interval: 'M1', from, to, limit: 10_000 });
    expect(viaCache).toEqual(direct.map((c) => ({ time: new Date(c.time).toISOString(), open: c.open, high: c.high, low: c.low, close: c.close, ticks: c.ticks })));
  });

  it('recomputes a closed bucket when a late tick lands in it', async () => {
    const late = start + 30 * 60_000 + 1;
    const res = await gw.gql(INSERT, { ticks: [{ symbol: 'EURUSD', time: late, bid: 1.5, ask: 1.6 }] });
    expect(res.data.insertTicks.accepted).toBe(1);
    const candles = (await gw.gql(QUERY, { from: start, to: end })).data.candles;
    const bucket = candles.find((c: any) => c.time === new Date(start + 30 * 60_000).toISOString());
    expect(bucket).toMatchObject({ high: 1.5, ticks: 4 });
  });
});
