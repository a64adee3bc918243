import type { TickRun } from '../stores/stream/tick-stream.js';

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
  const bySymbol = new Map<string, TickRun[]>();
  const identities = new Map<number, Set<number>>(); // partition → firstSeq of the runs held
  const arrival: (TickRun | undefined)[] = []; // oldest first, for eviction; passed slots emptied
  let arrivalHead = 0;
  let held = 0;
  // Per symbol, the evicted runs not yet stored: their newest time and last position.
  const evicted = new Map<string, { maxTime: number; partition: number; lastSeq: number }>();
  // Per symbol, the newest time of a run the sink stored since this process started.
  const storedTimes = new Map<string, number>();

  const isHeld = (run: TickRun) => identities.get(run.partition)?.has(run.firstSeq) ?? false;

  function evictOldest(): void {
    while (held > maxTicks && arrivalHead < arrival.length) {
      const run = arrival[arrivalHead]!;
      arrival[arrivalHead++] = undefined;
      if (!isHeld(run)) continue; // forgotten already
      remove(run);
      const e = evicted.get(run.symbol);
      const lastSeq = run.firstSeq + run.count - 1;
      evicted.set(run.symbol, {
        maxTime: Math.max(e?.maxTime ?? -Infinity, run.maxTime),
        partition: run.partition,
        lastSeq: Math.max(e?.lastSeq ?? -1, lastSeq),
      });
    }
    compactArrival();
  }

  /**
   * Passes (and lets go of) the runs no longer held at the front of `arrival`, and shortens the
   * list now and then: the runs the sink stored are forgotten there too, or the list would keep
   * them, and the record bytes (for the live feed's, the fetched chunks) they point into, for
   * as long as the sink keeps up.
   */
  function compactArrival(): void {
    while (arrivalHead < arrival.length && !isHeld(arrival[arrivalHead]!)) arrival[arrivalHead++] = undefined;
    if (arrivalHead > 4096 && arrivalHead * 2 > arrival.length) arrival.splice(0, arrivalHead), (arrivalHead = 0);
  }

  function remove(run: TickRun): void {
    identities.get(run.partition)!.delete(run.firstSeq);
    const list = bySymbol.get(run.symbol)!;
    list.splice(list.indexOf(run), 1);
    if (list.length === 0) bySymbol.delete(run.symbol);
    held -= run.count;
  }

  return {
    /** Holds a run; false when it is held already (the live feed bringing back this process's own append). */
    add(run: TickRun): boolean {
      let seqs = identities.get(run.partition);
      if (!seqs) identities.set(run.partition, (seqs = new Set()));
      if (seqs.has(run.firstSeq)) return false;
      seqs.add(run.firstSeq);
      const list = bySymbol.get(run.symbol);
      if (list) list.push(run);
      else bySymbol.set(run.symbol, [run]);
      arrival.push(run);
      held += run.count;
      evictOldest();
      return true;
    },
    /** The runs of `symbol` held whose time range meets [from, to]. */
    overlapping(symbol: string, from: number, to: number): TickRun[] {
      return (bySymbol.get(symbol) ?? []).filter((r) => r.maxTime >= from && r.minTime <= to);
    },
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
      for (const [symbol, list] of bySymbol) {
        const kept = list.filter((run) => {
          if (run.firstSeq + run.count - 1 > (stored.get(run.partition) ?? -1)) return true;
          identities.get(run.partition)!.delete(run.firstSeq);
          held -= run.count;
          if (run.maxTime > (storedTimes.get(symbol) ?? -Infinity)) storedTimes.set(symbol, run.maxTime);
          return false;
        });
        if (kept.length === 0) bySymbol.delete(symbol);
        else if (kept.length < list.length) bySymbol.set(symbol, kept);
      }
      for (const [symbol, e] of evicted) {
        if (e.lastSeq > (stored.get(e.partition) ?? -1)) continue;
        evicted.delete(symbol);
        if (e.maxTime > (storedTimes.get(symbol) ?? -Infinity)) storedTimes.set(symbol, e.maxTime);
      }
      compactArrival();
    },
    /** Ticks held in memory. */
    get ticks() {
      return held;
    },
    get empty() {
      return held === 0 && evicted.size === 0;
    },
  };
}

export type RecentRuns = ReturnType<typeof createRecentRuns>;
