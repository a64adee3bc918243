import type { TickInput } from '../../src/stores/ticks/tick-store.js';

/** A tick as one string of every field the bridge sends: for tests that count ticks stored. */
export function tickKey(t: TickInput): string {
  return `${t.symbol}\u0000${t.time}\u0000${t.bid}\u0000${t.ask}\u0000${t.last}\u0000${t.volume}\u0000${t.flags}`;
}
