import type { TickInput, TickStore } from '../stores/ticks/tick-store.js';
import type { TimeRange } from './tick-identity.js';

/** The times strictly between `after` and `before`: none holds a tick of the symbol, stored or accepted. */
export interface Gap {
  after: number;
  before: number;
}

// How long a gap read from the store is trusted. Only this process's accepted ticks narrow it;
// another process writing the same tick store into it meanwhile (without a shared log) is seen
// again once it expires.
const GAP_TTL_MS = 30_000;

/**
 * Per symbol, one gap below its newest tick: a history import sends ticks older than what is
 * stored, in time order, and each batch of them would otherwise be a suspect, compared with the
 * store's ticks over its range (one store read per batch, on the path every batch waits on).
 * The gap is read from the store once, where the import's first batch is checked: up to the
 * oldest stored (or accepted, not yet stored) tick after that batch. The import's next batches
 * then fall in it, after the ticks accepted into it, and are new for certain, like ticks after
 * the newest: their check costs nothing. Every tick accepted into a gap narrows it.
 */
export function createStoredGaps(store: Pick<TickStore, 'oldestAfter'>, now: () => number = Date.now) {
  const gaps = new Map<string, Gap & { until: number }>();

  /**
   * Ticks of `symbol` accepted (or appended by another process) in [from, to]: the gap keeps
   * its part above them if there is one (imports move forward in time), else its part below.
   */
  function narrow(symbol: string, from: number, to: number): void {
    const gap = gaps.get(symbol);
    if (!gap || to <= gap.after || from >= gap.before) return;
    if (to < gap.before - 1) gap.after = to;
    else if (from > gap.after + 1) gap.before = from;
    else gaps.delete(symbol);
  }

  return {
    /** The symbol's gap, if one is known. */
    gapOf: (symbol: string): Gap | undefined => gaps.get(symbol),

    /** Forgets the gaps read too long ago; called once per batch, before `gapOf`. */
    expire(): void {
      if (gaps.size === 0) return;
      const at = now();
      for (const [symbol, gap] of gaps) if (gap.until < at) gaps.delete(symbol);
    },

    narrow,

    /** `narrow` for each tick of a list. */
    narrowBy(ticks: readonly TickInput[]): void {
      if (gaps.size === 0) return;
      for (const t of ticks) narrow(t.symbol, t.time, t.time);
    },

    /**
     * Reads where the store's ticks resume above each suspect range that the store holds nothing
     * in (`stored`: its ticks read back for the ranges), and keeps the gap up to there.
     * `unstoredAfter(symbol, time)` is the oldest tick after `time` accepted and perhaps not
     * stored yet; `markOf` the symbol's newest. Called while the ranges' batch is checked,
     * before its ticks are accepted (they narrow the gaps then).
     */
    async learn(
      suspects: ReadonlyMap<string, TimeRange>,
      stored: readonly TickInput[],
      markOf: (symbol: string) => number,
      unstoredAfter: (symbol: string, time: number) => number,
    ): Promise<void> {
      // A range with stored ticks in it is a re-send, not an import: nothing to learn there. Nor
      // where what follows the range leaves a gap no wider than the range itself: it could not
      // hold the importer's next batch of that span, so reading it would cost a store read per
      // batch and spare none. Bridges interleaving one symbol leave such gaps, a few ms wide: 150
      // of 360 batches read the store for them (scratch driver, 4 clients, 10,000-tick batches),
      // each read waiting behind the group inserts on the path every batch's check waits on.
      const holding = new Set(stored.map((t) => t.symbol));
      const wanted: { symbol: string; range: TimeRange; before: number }[] = [];
      for (const [symbol, range] of suspects) {
        if (holding.has(symbol)) continue;
        const before = Math.min(markOf(symbol), unstoredAfter(symbol, range.to));
        if (before - range.to > Math.max(range.to - range.from, 1)) wanted.push({ symbol, range, before });
      }
      if (wanted.length === 0) return;
      let after = Infinity; // one read for all, from the lowest range's end (no spread: symbols are many)
      for (const { range } of wanted) after = Math.min(after, range.to);
      const oldest = await store.oldestAfter(
        wanted.map(({ symbol }) => symbol),
        after,
      );
      const until = now() + GAP_TTL_MS;
      for (const { symbol, range, before } of wanted) {
        // Read from the lowest range's end: a stored tick found at or before this range's end
        // leaves its gap unknown.
        const next = oldest.get(symbol) ?? Infinity;
        if (next <= range.to) continue;
        const end = Math.min(next, before);
        if (end > range.to + 1) gaps.set(symbol, { after: range.to, before: end, until });
      }
    },
  };
}

/** The oldest tick of `symbol` after `time` in these lists (Infinity: none). */
export function oldestAfterIn(lists: readonly (readonly TickInput[])[], symbol: string, time: number): number {
  let oldest = Infinity;
  for (const list of lists) for (const t of list) if (t.symbol === symbol && t.time > time && t.time < oldest) oldest = t.time;
  return oldest;
}
