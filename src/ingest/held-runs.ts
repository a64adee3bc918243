import type { TickRun } from '../stores/stream/tick-stream.js';

/**
 * Runs of the log held in memory, per symbol in the order they came, at most `maxTicks` ticks:
 * past it the oldest are let go, each handed to `evicted`. What the durable write path
 * (recent-runs.ts) and the sink (sink-memory.ts) keep for their duplicate checks. A run holds
 * its record's bytes, not tick objects: one object per run of up to 500 ticks.
 */
export function createHeldRuns(maxTicks: number, evicted: (run: TickRun) => void) {
  const bySymbol = new Map<string, TickRun[]>();
  const held = new Set<TickRun>();
  const arrival: (TickRun | undefined)[] = []; // oldest first, for eviction; passed slots emptied
  let arrivalHead = 0;
  let ticks = 0;

  function remove(run: TickRun): void {
    held.delete(run);
    const list = bySymbol.get(run.symbol)!;
    list.splice(list.indexOf(run), 1); // the oldest of its symbol, when evicted
    if (list.length === 0) bySymbol.delete(run.symbol);
    ticks -= run.count;
  }

  /**
   * Passes (and lets go of) the runs no longer held at the front of `arrival`, and shortens the
   * list now and then: runs let go of early are passed there too, or the list would keep them,
   * and the record bytes (for a consumer's, the fetched chunks) they point into.
   */
  function compactArrival(): void {
    while (arrivalHead < arrival.length && !held.has(arrival[arrivalHead]!)) arrival[arrivalHead++] = undefined;
    if (arrivalHead > 4096 && arrivalHead * 2 > arrival.length) arrival.splice(0, arrivalHead), (arrivalHead = 0);
  }

  return {
    add(run: TickRun): void {
      const list = bySymbol.get(run.symbol);
      if (list) list.push(run);
      else bySymbol.set(run.symbol, [run]);
      held.add(run);
      arrival.push(run);
      ticks += run.count;
      while (ticks > maxTicks && arrivalHead < arrival.length) {
        const oldest = arrival[arrivalHead]!;
        arrival[arrivalHead++] = undefined;
        if (!held.has(oldest)) continue; // let go of already
        remove(oldest);
        evicted(oldest);
      }
      compactArrival();
    },
    /** Lets go of the runs `done` picks, before they would be evicted. */
    letGo(done: (run: TickRun) => boolean): void {
      for (const [symbol, list] of bySymbol) {
        const kept: TickRun[] = [];
        for (const run of list) {
          if (!done(run)) {
            kept.push(run);
            continue;
          }
          held.delete(run);
          ticks -= run.count;
        }
        if (kept.length === 0) bySymbol.delete(symbol);
        else if (kept.length < list.length) bySymbol.set(symbol, kept);
      }
      compactArrival();
    },
    /** The runs of `symbol` held whose time range meets [from, to]. */
    overlapping(symbol: string, from: number, to: number): TickRun[] {
      return (bySymbol.get(symbol) ?? []).filter((r) => r.maxTime >= from && r.minTime <= to);
    },
    /** Ticks held. */
    get ticks() {
      return ticks;
    },
  };
}
