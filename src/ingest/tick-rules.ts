import { badInput } from '../errors.js';
import { checkSymbol } from '../graphql/input-strings.js';
import type { TickInput } from '../stores/ticks/tick-store.js';

/**
 * The rules a tick must meet, in one module: insertTicks's resolver applies the call's rules
 * (`checkTickBatch`) to the ticks of either path into it (the HTTP fast path,
 * insert-ticks-fast-path.ts, or graphql-js's coercion), and both write paths apply the per-tick
 * rules (`tickProblem`) through their shared front (tick-ingest.ts). Times reach here as epoch
 * milliseconds: the DateTime scalar's one parser (src/graphql/datetime.ts) read them on either path.
 */

// 2000-01-01T00:00:00Z: no market data this gateway serves is older.
const EARLIEST_TICK_MS = Date.UTC(2000, 0, 1);
// A bridge's clock may run a little ahead of ours; more than this is a bad timestamp.
const MAX_CLOCK_SKEW_MS = 60_000; // 1 minute
const MAX_FLAGS = 0xffff_ffff; // stored as UInt32

const isPositivePrice = (x: number) => Number.isFinite(x) && x > 0;

/**
 * The rules of the call as a whole, which refuse it with BAD_USER_INPUT and store nothing: at
 * most `maxTicks` ticks, and every symbol one that can exist (a symbol that cannot is refused
 * as a malformed time is: it never reaches a store).
 */
export function checkTickBatch(ticks: readonly TickInput[], maxTicks: number): void {
  if (ticks.length > maxTicks) throw badInput(`at most ${maxTicks} ticks per insertTicks call; got ${ticks.length}`, 'ticks');
  // A batch holds few symbols, each in many ticks: each is matched once (at most CHECKED_SYMBOLS kept).
  const checked = new Set<string>();
  let last: string | undefined; // ticks often come in runs of one symbol: the set is asked once a run
  for (let i = 0; i < ticks.length; i++) {
    const symbol = ticks[i]!.symbol;
    if (symbol === last) continue;
    last = symbol;
    if (checked.has(symbol)) continue;
    checkSymbol(symbol, `the symbol at "ticks[${i}].symbol"`, 'ticks');
    if (checked.size < CHECKED_SYMBOLS) checked.add(symbol);
  }
}

const CHECKED_SYMBOLS = 256;

/**
 * The rules of one tick: why it cannot be stored, in words a bridge developer understands, or
 * null when it can. `knownSymbol` answers whether the instrument exists.
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
