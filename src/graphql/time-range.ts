import { BUCKET_MS } from '../candles/candle-cache.js';
import { badInput } from '../errors.js';
import type { CandleInterval } from '../stores/ticks/tick-store.js';

/**
 * Bounds of the time ranges a client asks for (issue 13). Without them `from: 0` on M1 named 29
 * million buckets and `from: -9007199254740991` crashed the gateway in the candle cache.
 */
export const TIME_BOUNDS = {
  // 2000-01-01T00:00:00Z: insertTicks refuses older ticks, so no range needs to start earlier.
  earliest: Date.UTC(2000, 0, 1),
  // How far past now `from` and `to` may reach: a chart asks up to the end of the day.
  aheadMs: 86_400_000, // 1 day
  // Buckets a candles request's range may span (span / interval): 69 days of M1, 11 years of H1.
  candleBucketsMax: 100_000,
} as const;

const iso = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

/** `from` and `to` of ticks or candles: each within the bounds, `from` not after `to`. */
export function checkTimeRange(from: number | null | undefined, to: number | null | undefined, now: number): void {
  const latest = now + TIME_BOUNDS.aheadMs;
  for (const [argument, ms] of [['from', from], ['to', to]] as const) {
    if (ms == null) continue;
    if (ms < TIME_BOUNDS.earliest) throw badInput(`\`${argument}\` must be 2000-01-01T00:00:00Z or later; got ${iso(ms)}`, argument);
    if (ms > latest) throw badInput(`\`${argument}\` must be at most 1 day from now (${iso(latest)}); got ${iso(ms)}`, argument);
  }
  if (from != null && to != null && from > to) throw badInput('`from` is after `to`', 'from');
}

/**
 * A candles request's range, checked, and its number of buckets bounded. Without `from` it spans
 * `limit` buckets up to `to`; with `from` and no `to`, up to now.
 */
export function checkCandleRange(interval: CandleInterval, from: number | null | undefined, to: number | null | undefined, now: number): void {
  checkTimeRange(from, to, now);
  if (from == null) return;
  const bucket = BUCKET_MS[interval];
  const buckets = Math.ceil(((to ?? now) - Math.floor(from / bucket) * bucket) / bucket);
  if (buckets > TIME_BOUNDS.candleBucketsMax)
    throw badInput(
      `\`from\` to \`${to == null ? 'now' : 'to'}\` spans ${buckets} ${interval} buckets; at most ${TIME_BOUNDS.candleBucketsMax} per request: set \`to\` closer to \`from\` or use a longer interval`,
      'from',
    );
}
