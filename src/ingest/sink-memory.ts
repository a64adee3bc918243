import type { TickRun } from '../stores/stream/tick-stream.js';
import type { TickStore } from '../stores/ticks/tick-store.js';
import type { TimeRange } from './tick-identity.js';
import { createHeldRuns } from './held-runs.js';
import { createNewestStored } from './tick-ingest.js';

// The runs of the last few batches (bridges interleaving one symbol compare a batch with the one
// before it): about 10 MB of record bytes at 47 bytes a tick, and one object per run, not per tick.
const MAX_HELD_TICKS = 200_000;

/**
 * What the tick sink stored lately, so that it need not ask the store: each symbol's newest
 * stored time, and the runs it stored, compared in memory with a batch's ticks out of time
 * order (bridges interleaving one symbol send ticks older than the newest stored, and each
 * batch would otherwise read back the ticks the batch before it stored).
 *
 * The store can hold a tick of a symbol that is not held here only up to the newest time it
 * held when the symbol was loaded, or of a run no longer held. That is true while the sink is
 * the only writer of its symbols since it loaded them: it takes a new memory when its group
 * deals the partitions again (another member may have stored some) and when an insert fails
 * (it may have been applied).
 */
export function createSinkMemory(store: Pick<TickStore, 'latest'>, maxHeldTicks = MAX_HELD_TICKS) {
  const newest = createNewestStored(store);
  const evictedHigh = new Map<string, number>(); // per symbol, the newest time of a run no longer held
  const held = createHeldRuns(maxHeldTicks, (run) => {
    if (run.maxTime > (evictedHigh.get(run.symbol) ?? -Infinity)) evictedHigh.set(run.symbol, run.maxTime);
  });

  return {
    /** Learns the newest stored time of the symbols not known yet: before a batch of theirs is stored. */
    load: (symbols: readonly string[]) => newest.load(symbols),
    /**
     * A batch just stored, as its runs whole: a tick the sink left out repeats a stored one, so
     * either stands for it.
     */
    stored(runs: readonly TickRun[]): void {
      for (const run of runs) {
        newest.raise(run.symbol, run.maxTime);
        held.add(run);
      }
    },
    /** The newest stored time of `symbol` (-Infinity: none); it must have been loaded. */
    newestOf: (symbol: string) => newest.times.get(symbol) ?? -Infinity,
    /** The newest time of `symbol` the store may hold and this memory not. */
    notHeldThrough: (symbol: string) => Math.max(newest.loaded.get(symbol) ?? -Infinity, evictedHigh.get(symbol) ?? -Infinity),
    /** The runs held whose time range meets a suspect range of their symbol. */
    overlapping(suspects: ReadonlyMap<string, TimeRange>): TickRun[] {
      const found: TickRun[] = [];
      for (const [symbol, range] of suspects) found.push(...held.overlapping(symbol, range.from, range.to));
      return found;
    },
  };
}

export type SinkMemory = ReturnType<typeof createSinkMemory>;
