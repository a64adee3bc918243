import { isNewer } from '../stores/cache/cache-store.js';
import type { StoredTick } from '../stores/ticks/tick-store.js';

/** The oldest and the newest time of one symbol's ticks in a list. */
export interface TimeSpan {
  oldest: number;
  newest: number;
}

/** One symbol's ticks in a list: their time span and the newest of them. */
export interface SymbolSpan extends TimeSpan {
  /** The newest of them by time, then seq (the latest-tick cache's order). */
  latest: StoredTick;
}

export type SymbolSpans = ReadonlyMap<string, SymbolSpan>;

/**
 * Per symbol, the span of a list's ticks, in one pass. What the local write path does per symbol
 * once ticks are accepted or stored (the newest stored times, the recent groups' bounds, the
 * candles a late tick retires, the latest-tick cache) reads these, instead of a pass over the
 * ticks each with a map lookup per tick: four such passes took 0.08 µs a tick (profile,
 * 10,000-tick batches of 12 to 13 symbols each).
 */
export function spansOf(ticks: readonly StoredTick[]): Map<string, SymbolSpan> {
  const spans = new Map<string, SymbolSpan>();
  // Ticks often come in runs of one symbol (a bridge's batch): the map is read once a run.
  let symbol: string | undefined;
  let span: SymbolSpan | undefined;
  for (const t of ticks) {
    if (t.symbol !== symbol) {
      symbol = t.symbol;
      span = spans.get(symbol);
      if (span === undefined) {
        spans.set(symbol, (span = { oldest: t.time, newest: t.time, latest: t }));
        continue;
      }
    }
    const s = span!;
    if (t.time < s.oldest) s.oldest = t.time;
    if (t.time > s.newest) s.newest = t.time;
    if (isNewer(t, s.latest)) s.latest = t;
  }
  return spans;
}

/** The spans of several lists taken together (a group of batches). */
export function mergeSpans(lists: readonly SymbolSpans[]): SymbolSpans {
  if (lists.length === 1) return lists[0]!;
  const merged = new Map<string, SymbolSpan>();
  for (const spans of lists) {
    for (const [symbol, span] of spans) {
      const into = merged.get(symbol);
      if (into === undefined) merged.set(symbol, { ...span });
      else {
        into.oldest = Math.min(into.oldest, span.oldest);
        into.newest = Math.max(into.newest, span.newest);
        if (isNewer(span.latest, into.latest)) into.latest = span.latest;
      }
    }
  }
  return merged;
}

/** Each symbol's newest tick. */
export const latestOf = (spans: SymbolSpans): StoredTick[] => Array.from(spans.values(), (s) => s.latest);
