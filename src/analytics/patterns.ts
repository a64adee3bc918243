import { BUCKET_MS } from '../candles/candle-cache.js';
import type { Stores } from '../stores/stores.js';
import type { CandleInterval } from '../stores/ticks/tick-store.js';
import type { Pattern } from '../stores/vector/vector-store.js';
import { allInstruments } from './all-instruments.js';

// Closes are looked for this many times further back than the pattern needs, so that
// weekends and quiet hours still leave enough buckets.
const LOOKBACK_FACTOR = 4;

/**
 * A price pattern: the z-scored returns of the last `length` buckets (close over previous
 * close, minus 1), so that instruments of any price level and volatility compare by shape.
 * Null when there are too few closes or the price did not move.
 */
export function pricePattern(closes: readonly number[], length: number): number[] | null {
  if (closes.length < length + 1) return null;
  const recent = closes.slice(-(length + 1));
  const returns = recent.slice(1).map((close, i) => close / recent[i]! - 1);
  const mean = returns.reduce((a, b) => a + b, 0) / length;
  const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / length);
  if (!(std > 0) || !Number.isFinite(std)) return null;
  return returns.map((r) => (r - mean) / std);
}

/** Computes every instrument's current pattern at `interval` and upserts it; returns how many. */
export async function refreshPatterns(stores: Stores, interval: CandleInterval, now: number): Promise<number> {
  const length = stores.vector.dimensions;
  const instruments = await allInstruments(stores);
  if (instruments.length === 0) return 0;
  const since = now - (length + 1) * BUCKET_MS[interval] * LOOKBACK_FACTOR;
  const closes = await stores.ticks.recentCloses(instruments.map((i) => i.symbol), interval, length + 1, since);
  const assetClass = new Map(instruments.map((i) => [i.symbol, i.assetClass]));
  const patterns: Pattern[] = [];
  for (const { symbol, closes: series } of closes) {
    const vector = pricePattern(series, length);
    if (vector) patterns.push({ symbol, interval, assetClass: assetClass.get(symbol)!, vector });
  }
  if (patterns.length === 0) return 0;
  return stores.vector.upsertPatterns(patterns);
}
