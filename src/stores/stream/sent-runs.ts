import type { TickRun } from './tick-records.js';

/**
 * The runs this process appended lately, by position, so that reading them back from the log
 * (the sink and the live feed run in the same process) takes the ticks the write path already
 * holds instead of decoding the record again. Bounded by ticks: the oldest are dropped first,
 * and a run no longer here is simply decoded.
 */
export function createSentRuns(maxTicks: number) {
  const byPosition = new Map<string, TickRun>();
  let held = 0;
  const key = (partition: number, firstSeq: number) => `${partition}:${firstSeq}`;
  return {
    add(runs: readonly TickRun[]): void {
      for (const run of runs) {
        byPosition.set(key(run.partition, run.firstSeq), run);
        held += run.count;
      }
      // A Map iterates in insertion order: the oldest first.
      for (const [k, run] of byPosition) {
        if (held <= maxTicks) break;
        byPosition.delete(k);
        held -= run.count;
      }
    },
    /** The run appended here at this position, if still held; it is let go (read once is enough). */
    take(read: TickRun): TickRun {
      const k = key(read.partition, read.firstSeq);
      const sent = byPosition.get(k);
      if (!sent || sent.count !== read.count || sent.symbol !== read.symbol) return read;
      return sent;
    },
    /** Lets go of a run once the sink has stored it. */
    release(run: TickRun): void {
      const k = key(run.partition, run.firstSeq);
      const sent = byPosition.get(k);
      if (!sent) return;
      byPosition.delete(k);
      held -= sent.count;
    },
  };
}
