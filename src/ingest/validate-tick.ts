import type { TickInput, TickStore } from '../stores/ticks/tick-store.js';

// 2000-01-01T00:00:00Z: no market data this gateway serves is older.
const EARLIEST_TICK_MS = Date.UTC(2000, 0, 1);
// A bridge's clock may run a little ahead of ours; more than this is a bad timestamp.
const MAX_CLOCK_SKEW_MS = 60_000; // 1 minute
const MAX_FLAGS = 0xffff_ffff; // stored as UInt32

const isPositivePrice = (x: number) => Number.isFinite(x) && x > 0;

/**
 * Why this tick cannot be stored, in words a bridge developer understands, or null when
 * it can. `knownSymbol` answers whether the instrument exists.
 */
export function tickProblem(tick: TickInput, knownSymbol: boolean, now: number): string | null {
  if (!knownSymbol) return `unknown symbol "${tick.symbol}": create the instrument first (upsertInstruments)`;
  if (!Number.isFinite(tick.time)) return 'time is not a valid point in time';
  if (tick.time < EARLIEST_TICK_MS) return `time ${new Date(tick.time).toISOString()} is before 2000-01-01`;
  if (tick.time > now + MAX_CLOCK_SKEW_MS)
    return `time ${new Date(tick.time).toISOString()} is more than 1 minute in the future`;
  if (!isPositivePrice(tick.bid)) return `bid ${tick.bid} is not a positive finite price`;
  if (!isPositivePrice(tick.ask)) return `ask ${tick.ask} is not a positive finite price`;
  if (tick.bid > tick.ask) return `bid ${tick.bid} is greater than ask ${tick.ask}`;
  if (tick.last !== null && !isPositivePrice(tick.last)) return `last ${tick.last} is not a positive finite price`;
  if (tick.volume !== null && !(Number.isFinite(tick.volume) && tick.volume >= 0))
    return `volume ${tick.volume} is negative or not finite`;
  if (tick.flags !== null && !(Number.isInteger(tick.flags) && tick.flags >= 0 && tick.flags <= MAX_FLAGS))
    return `flags ${tick.flags} is not an unsigned 32-bit integer`;
  return null;
}

/** Identity of a tick for duplicate detection: every field the bridge sends. */
export function tickKey(t: TickInput): string {
  return `${t.symbol}\u0000${t.time}\u0000${t.bid}\u0000${t.ask}\u0000${t.last}\u0000${t.volume}\u0000${t.flags}`;
}

/**
 * Keys of the stored ticks that these ticks could duplicate. Only a tick no newer than its
 * symbol's newest stored time (`newest`; a symbol absent from it has none) can repeat a stored
 * one; those are looked up with one query for their symbols over the time range they span.
 * Used by the write path before accepting and by the sink before inserting.
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
