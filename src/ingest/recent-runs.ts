import type { TickRun } from '../stores/stream/tick-stream.js';
import { createHeldRuns } from './held-runs.js';

/**
 * Runs appended to the log lately (by this process or, through the live feed, any other) that
 * the sink may not have stored yet. A tick at or before its symbol's high-water mark is checked
 * against these, besides the tick store; once the sink's committed position passes a run, the
 * store has it and it is forgotten. Nothing here is per tick: a run is one record of up to 500
 * ticks, and its ticks are decoded only when a suspect tick falls in its time range.
 *
 * Bounded by `maxTicks`: past it, the oldest runs are evicted and only their time range and
 * position are kept (`unstoredBefore`), so a suspect tick in that range waits for the sink
 * instead of being compared in memory (a sink that is behind then slows out-of-order ticks,
 * never ticks in time order).
 */
export function createRecentRuns(maxTicks: number) {
  const identities = new Map<number, Set<number>>(); // partition → firstSeq of the runs held
  // Per symbol, the evicted runs not yet stored: their newest time and last position.
  const evicted = new Map<string, { maxTime: number; partition: number; lastSeq: number }>();
  // Per symbol, the newest time of a run the sink stored since this process started.
  const storedTimes = new Map<string, number>();
  const raiseStored = (symbol: string, time: number) => {
    if (time > (storedTimes.get(symbol) ?? -Infinity)) storedTimes.set(symbol, time);
  };
  const runs = createHeldRuns(maxTicks, (run) => {
    identities.get(run.partition)!.delete(run.firstSeq);
    const e = evicted.get(run.symbol);
    evicted.set(run.symbol, {
      maxTime: Math.max(e?.maxTime ?? -Infinity, run.maxTime),
      partition: run.partition,
      lastSeq: Math.max(e?.lastSeq ?? -1, run.firstSeq + run.count - 1),
    });
  });

  return {
    /** Holds a run; false when it is held already (the live feed bringing back this process's own append). */
    add(run: TickRun): boolean {
      let seqs = identities.get(run.partition);
      if (!seqs) identities.set(run.partition, (seqs = new Set()));
      if (seqs.has(run.firstSeq)) return false;
      seqs.add(run.firstSeq);
      runs.add(run);
      return true;
    },
    /** The runs of `symbol` held whose time range meets [from, to]. */
    overlapping: runs.overlapping,
    /**
     * Where a suspect tick of `symbol` at `time` may repeat an evicted run: the position the sink
     * must reach before the store can answer for it (undefined: nothing evicted covers it).
     */
    unstoredBefore(symbol: string, time: number): { partition: number; lastSeq: number } | undefined {
      const e = evicted.get(symbol);
      return e && time <= e.maxTime ? e : undefined;
    },
    /** The newest time the sink stored for `symbol` from runs seen here (-Infinity: none). */
    storedThrough(symbol: string): number {
      return storedTimes.get(symbol) ?? -Infinity;
    },
    /** Forgets the runs the sink has stored: `stored` is its committed position per partition. */
    forget(stored: ReadonlyMap<number, number>): void {
      runs.letGo((run) => {
        if (run.firstSeq + run.count - 1 > (stored.get(run.partition) ?? -1)) return false;
        identities.get(run.partition)!.delete(run.firstSeq);
        raiseStored(run.symbol, run.maxTime);
        return true;
      });
      for (const [symbol, e] of evicted) {
        if (e.lastSeq > (stored.get(e.partition) ?? -1)) continue;
        evicted.delete(symbol);
        raiseStored(symbol, e.maxTime);
      }
    },
    /** Ticks held in memory. */
    get ticks() {
      return runs.ticks;
    },
    get empty() {
      return runs.ticks === 0 && evicted.size === 0;
    },
  };
}

export type RecentRuns = ReturnType<typeof createRecentRuns>;
