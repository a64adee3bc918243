import { BUCKET_MS } from '../candles/candle-cache.js';
import type { Stores } from '../stores/stores.js';
import type { CandleInterval } from '../stores/ticks/tick-store.js';

/**
 * Correlates every pair of instruments' bucket returns over the last `window` buckets in the
 * tick store, and replaces `interval`'s CORRELATED edges by the pairs at or above the
 * threshold (by absolute value: a strong negative correlation is a relation too).
 * A pair needs returns in at least half the window's buckets to count.
 */
export async function refreshCorrelations(
  stores: Stores,
  interval: CandleInterval,
  window: number,
  threshold: number,
  now: number,
): Promise<number> {
  const bucket = BUCKET_MS[interval];
  const since = Math.floor(now / bucket) * bucket - window * bucket;
  const minPoints = Math.max(3, Math.ceil(window / 2));
  const pairs = await stores.ticks.correlations(interval, since, minPoints);
  const strong = pairs
    .filter((p) => Math.abs(p.coefficient) >= threshold)
    .map(({ a, b, coefficient }) => ({ a, b, coefficient }));
  return stores.graph.replaceCorrelations(interval, window, strong);
}
