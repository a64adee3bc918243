import type { TickInput } from '../stores/ticks/tick-store.js';

interface Group {
  ticks: readonly TickInput[];
  minTime: number;
  maxTime: number;
}

/**
 * The groups the local write path stored lately, oldest first, at most `maxTicks` ticks. A
 * suspect tick is compared with the ones whose time range meets its batch's in memory, and the
 * store is read only up to `evictedHigh`, the newest time of a group no longer held: two bridges
 * interleaving one symbol (every tick a suspect) otherwise read back, per batch, the other
 * bridge's ticks just stored. The in-process stream serves one gateway process, which is the
 * only writer of its tick store since it loaded each symbol's newest time.
 */
export function createRecentGroups(maxTicks: number) {
  const groups: Group[] = [];
  let held = 0;
  let evictedHigh = -Infinity;

  return {
    /** A group just stored. */
    add(ticks: readonly TickInput[]): void {
      let minTime = Infinity;
      let maxTime = -Infinity;
      for (const t of ticks) {
        if (t.time < minTime) minTime = t.time;
        if (t.time > maxTime) maxTime = t.time;
      }
      groups.push({ ticks, minTime, maxTime });
      held += ticks.length;
      while (held > maxTicks && groups.length > 0) {
        const oldest = groups.shift()!;
        held -= oldest.ticks.length;
        evictedHigh = Math.max(evictedHigh, oldest.maxTime);
      }
    },
    /** The ticks of the groups held whose time range meets [from, to]. */
    overlapping(from: number, to: number): (readonly TickInput[])[] {
      return groups.filter((g) => g.maxTime >= from && g.minTime <= to).map((g) => g.ticks);
    },
    /** The newest time of a group no longer held (-Infinity: none); the store answers for what is older. */
    get evictedHigh(): number {
      return evictedHigh;
    },
  };
}
