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
