import type { TickInput, TickStore } from '../stores/ticks/tick-store.js';
import type { Gap } from './stored-gaps.js';

export interface TimeRange {
  from: number;
  to: number;
}

/**
 * Per symbol, the time range of the ticks that may repeat an earlier one: those at or before
 * their symbol's mark (`markOf`: the newest time of any tick before the list) or before an
 * earlier tick of the list. A tick after both is new for certain and needs no key: ticks in
 * time order (the common case) give no range at all. So is a tick inside its symbol's known
 * gap (`gapOf`, stored-gaps.ts: no tick before the list there) when the list's earlier ticks of
 * its symbol were all in the gap too and before it: a history import in time order.
 */
export function suspectRanges(ticks: readonly TickInput[], markOf: (symbol: string) => number, gapOf?: (symbol: string) => Gap | undefined): Map<string, TimeRange> {
  const suspects = new Map<string, TimeRange>();
  const running = new Map<string, number>(); // the list's newest tick so far, after the mark
  const inGap = new Map<string, number>(); // the list's newest tick so far, in the gap (none after the mark yet)
  for (const t of ticks) {
    const last = running.get(t.symbol);
    if (t.time > (last ?? markOf(t.symbol))) {
      running.set(t.symbol, t.time);
      continue;
    }
    if (gapOf && last === undefined) {
      const gap = gapOf(t.symbol);
      if (gap && t.time > (inGap.get(t.symbol) ?? gap.after) && t.time < gap.before) {
        inGap.set(t.symbol, t.time);
        continue;
      }
    }
    const range = suspects.get(t.symbol);
    if (!range) suspects.set(t.symbol, { from: t.time, to: t.time });
    else (range.from = Math.min(range.from, t.time)), (range.to = Math.max(range.to, t.time));
  }
  return suspects;
}

/** The time span of all the suspect ranges together. */
export function spanOf(suspects: ReadonlyMap<string, TimeRange>): TimeRange {
  let from = Infinity;
  let to = -Infinity;
  for (const range of suspects.values()) (from = Math.min(from, range.from)), (to = Math.max(to, range.to));
  return { from, to };
}

/**
 * The stored ticks a suspect may repeat, read back with one query: for each symbol, its suspect
 * range cut at `storedThrough(symbol)` (the newest time the store can hold for it; a range
 * after that needs no read at all).
 */
export async function storedNear(
  store: Pick<TickStore, 'ticksBetween'>,
  suspects: ReadonlyMap<string, TimeRange>,
  storedThrough: (symbol: string) => number,
): Promise<readonly TickInput[]> {
  const symbols: string[] = [];
  let from = Infinity;
  let to = -Infinity;
  for (const [symbol, range] of suspects) {
    const stored = storedThrough(symbol);
    if (range.from > stored) continue;
    symbols.push(symbol);
    from = Math.min(from, range.from);
    to = Math.max(to, Math.min(range.to, stored));
  }
  return symbols.length > 0 ? store.ticksBetween(symbols, from, to) : [];
}

/** Two ticks of one symbol and time are the same tick when every other field the bridge sends is equal. */
const sameTick = (a: TickInput, b: TickInput) =>
  a.bid === b.bid && a.ask === b.ask && (a.last ?? null) === (b.last ?? null) && (a.volume ?? null) === (b.volume ?? null) && (a.flags ?? null) === (b.flags ?? null);

/**
 * The ticks, in order, without those that repeat a tick of `before` (ticks stored or appended
 * earlier) or an earlier tick of the list. Only ticks inside a suspect range are compared:
 * they are indexed by symbol and time, and each tick of `before` in a range is one lookup, so
 * no string is built and ticks out of time order but not repeated (interleaving bridges) miss
 * on the time alone.
 */
export function withoutRepeats<T extends TickInput>(ticks: readonly T[], suspects: ReadonlyMap<string, TimeRange>, before: readonly (readonly TickInput[])[]): T[] {
  if (suspects.size === 0) return ticks as T[];
  const inRange = (t: TickInput) => {
    const range = suspects.get(t.symbol);
    return range !== undefined && t.time >= range.from && t.time <= range.to;
  };
  const index = new Map<string, Map<number, T | T[]>>();
  const repeated = new Set<T>();
  for (const t of ticks) {
    if (!inRange(t)) continue;
    let byTime = index.get(t.symbol);
    if (!byTime) index.set(t.symbol, (byTime = new Map()));
    const there = byTime.get(t.time);
    if (there === undefined) byTime.set(t.time, t);
    else if (Array.isArray(there) ? there.some((o) => sameTick(o, t)) : sameTick(there, t)) repeated.add(t);
    else byTime.set(t.time, Array.isArray(there) ? (there.push(t), there) : [there, t]);
  }
  // Most earlier ticks are outside every range: one comparison passes them.
  const { from, to } = spanOf(suspects);
  for (const list of before) {
    for (const b of list) {
      if (b.time < from || b.time > to) continue;
      const there = index.get(b.symbol)?.get(b.time);
      if (there === undefined) continue;
      for (const t of Array.isArray(there) ? there : [there]) if (sameTick(t, b)) repeated.add(t);
    }
  }
  return repeated.size === 0 ? (ticks as T[]) : ticks.filter((t) => !repeated.has(t));
}
