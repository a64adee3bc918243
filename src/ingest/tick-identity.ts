import type { TickInput, TickStore } from '../stores/ticks/tick-store.js';

/** Identity of a tick for duplicate detection: every field the bridge sends. */
export function tickKey(t: TickInput): string {
  return `${t.symbol}\u0000${t.time}\u0000${t.bid}\u0000${t.ask}\u0000${t.last}\u0000${t.volume}\u0000${t.flags}`;
}

/**
 * Keys of the stored ticks that these ticks could duplicate. Only a tick no newer than its
 * symbol's newest stored time (`newest`; a symbol absent from it has none) can repeat a stored
 * one; those are looked up with one query for their symbols over the time range they span.
 * Used by both write paths before accepting and by the sink before inserting.
 */
export async function storedKeysLike(
  ticks: readonly TickInput[],
  newest: ReadonlyMap<string, number>,
  store: Pick<TickStore, 'ticksBetween'>,
): Promise<Set<string>> {
  const suspects = ticks.filter((t) => t.time <= (newest.get(t.symbol) ?? -Infinity));
  if (suspects.length === 0) return new Set();
  let from = Infinity;
  let to = -Infinity;
  for (const t of suspects) (from = Math.min(from, t.time)), (to = Math.max(to, t.time));
  const stored = await store.ticksBetween([...new Set(suspects.map((t) => t.symbol))], from, to);
  return new Set(stored.map(tickKey));
}

export interface TimeRange {
  from: number;
  to: number;
}

/**
 * Per symbol, the time range of the ticks that may repeat an earlier one: those at or before
 * their symbol's mark (`markOf`: the newest time of any tick before the list) or before an
 * earlier tick of the list. A tick after both is new for certain and needs no key: ticks in
 * time order (the common case) give no range at all.
 */
export function suspectRanges(ticks: readonly TickInput[], markOf: (symbol: string) => number): Map<string, TimeRange> {
  const suspects = new Map<string, TimeRange>();
  const running = new Map<string, number>();
  for (const t of ticks) {
    if (t.time > (running.get(t.symbol) ?? markOf(t.symbol))) {
      running.set(t.symbol, t.time);
      continue;
    }
    const range = suspects.get(t.symbol);
    if (!range) suspects.set(t.symbol, { from: t.time, to: t.time });
    else (range.from = Math.min(range.from, t.time)), (range.to = Math.max(range.to, t.time));
  }
  return suspects;
}

/** Two ticks are the same tick when every field the bridge sends is equal. */
const sameTick = (a: TickInput, b: TickInput) =>
  a.bid === b.bid && a.ask === b.ask && (a.last ?? null) === (b.last ?? null) && (a.volume ?? null) === (b.volume ?? null) && (a.flags ?? null) === (b.flags ?? null);

/**
 * Ticks indexed by symbol and time, compared field by field: what a suspect tick is checked
 * against. Cheaper than a string key per tick (no string is built), and ticks out of time order
 * but not repeated (interleaving bridges) miss on the time alone.
 */
export function createSeenTicks() {
  const bySymbol = new Map<string, Map<number, TickInput[]>>();
  return {
    /** Adds the tick; false when the same tick was there already. */
    add(t: TickInput): boolean {
      let byTime = bySymbol.get(t.symbol);
      if (!byTime) bySymbol.set(t.symbol, (byTime = new Map()));
      const same = byTime.get(t.time);
      if (!same) return void byTime.set(t.time, [t]), true;
      if (same.some((s) => sameTick(s, t))) return false;
      same.push(t);
      return true;
    },
  };
}

export type SeenTicks = ReturnType<typeof createSeenTicks>;

/**
 * The ticks, in order, without those `seen` holds already (ticks before the list) or that repeat
 * an earlier tick of the list. Only ticks inside a suspect range are looked at; `seen` grows.
 */
export function withoutRepeats<T extends TickInput>(ticks: readonly T[], suspects: ReadonlyMap<string, TimeRange>, seen: SeenTicks): T[] {
  if (suspects.size === 0) return ticks as T[];
  return ticks.filter((t) => {
    const range = suspects.get(t.symbol);
    return !range || t.time < range.from || t.time > range.to || seen.add(t);
  });
}
