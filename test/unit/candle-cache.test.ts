import { describe, expect, it } from 'vitest';
import { BUCKET_MS, CHUNK_BUCKETS, cachedCandles } from '../../src/candles/candle-cache.js';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import type { Candle, CandleQuery, TickStore } from '../../src/stores/ticks/tick-store.js';

const MINUTE = BUCKET_MS.M1;
const now = Date.UTC(2026, 10, 27, 12, 0, 0);
// One tick a minute over the last 10 hours, with a 3-hour gap: candles as the tick store computes them.
const ticks = Array.from({ length: 600 }, (_, i) => ({ time: now - (600 - i) * MINUTE + 1_000, bid: 1 + i / 1000 })).filter(
  (t) => t.time < now - 7 * 60 * MINUTE || t.time > now - 4 * 60 * MINUTE,
);

/** The tick store's answer (candlesSql's semantics), recording the ranges it was asked. */
function fakeTicks() {
  const asked: CandleQuery[] = [];
  const candles = async (q: CandleQuery): Promise<Candle[]> => {
    asked.push(q);
    const inRange = ticks.filter((t) => (q.from === undefined || t.time >= q.from) && (q.to === undefined || t.time < q.to));
    const buckets = new Map<number, Candle>();
    for (const t of inRange) {
      const time = Math.floor(t.time / MINUTE) * MINUTE;
      const c = buckets.get(time);
      if (c) Object.assign(c, { high: Math.max(c.high, t.bid), low: Math.min(c.low, t.bid), close: t.bid, ticks: c.ticks + 1 });
      else buckets.set(time, { time, open: t.bid, high: t.bid, low: t.bid, close: t.bid, volume: 0, ticks: 1 });
    }
    const all = [...buckets.values()].sort((a, b) => a.time - b.time);
    return q.from === undefined ? all.slice(-q.limit) : all.slice(0, q.limit);
  };
  return { store: { candles } as unknown as TickStore, asked };
}

function countingCache() {
  const cache = createMemoryCacheStore();
  let keys = 0;
  const getMany = cache.getMany.bind(cache);
  cache.getMany = (k) => ((keys += k.length), getMany(k));
  return { cache, keys: () => keys };
}

describe('cachedCandles', () => {
  it('does work in proportion to `limit`, not to the span from `from` (issue 13: `from: 0` walked 29 million buckets)', async () => {
    const { store } = fakeTicks();
    const { cache, keys } = countingCache();
    const q: CandleQuery = { symbol: 'EURUSD', interval: 'M1', from: Date.UTC(2000, 0, 1), limit: 1 };
    const started = performance.now();
    expect(await cachedCandles(store, cache, q, now)).toEqual(await fakeTicks().store.candles(q));
    expect(keys()).toBeLessThanOrEqual(2); // one chunk and its neighbour at most
    expect(performance.now() - started).toBeLessThan(2_000); // generous: the bound is the key count above
  });

  it('asks the cache for at most limit / CHUNK_BUCKETS + 2 chunks, whatever `from` and `to`', async () => {
    const { store } = fakeTicks();
    const { cache, keys } = countingCache();
    await cachedCandles(store, cache, { symbol: 'EURUSD', interval: 'M1', from: now - 60 * 86_400_000, to: now, limit: 500 }, now);
    expect(keys()).toBeLessThanOrEqual(Math.ceil(500 / CHUNK_BUCKETS) + 2);
  });

  it('gives the tick store’s candles for ranges with and without `from`, across the gap, cached or not', async () => {
    const { cache } = countingCache();
    const queries: CandleQuery[] = [
      { symbol: 'EURUSD', interval: 'M1', from: now - 20 * 60 * MINUTE, limit: 10 }, // before the first tick: the gap fallback
      { symbol: 'EURUSD', interval: 'M1', from: now - 9 * 60 * MINUTE + 30_000, limit: 200 }, // runs into the gap
      { symbol: 'EURUSD', interval: 'M1', from: now - 10 * 60 * MINUTE, to: now - 5 * 60 * MINUTE, limit: 10_000 },
      { symbol: 'EURUSD', interval: 'M1', to: now - 3 * 60 * MINUTE, limit: 120 }, // reaches back over the gap
      { symbol: 'EURUSD', interval: 'M1', limit: 500 },
      { symbol: 'EURUSD', interval: 'M1', from: Date.UTC(2000, 0, 1), to: now, limit: 1_000 },
    ];
    for (let round = 0; round < 2; round++) {
      for (const q of queries) expect(await cachedCandles(fakeTicks().store, cache, q, now), JSON.stringify(q)).toEqual(await fakeTicks().store.candles(q));
    }
  });
});
