import type { TickInput } from '../stores/ticks/tick-store.js';

interface Group {
  ticks: readonly TickInput[];
  minTime: number;
  maxTime: number;
  /** The group's ticks per symbol, made the first time a suspect's range meets the group. */
  bySymbol?: Map<string, TickInput[]>;
}

/**
 * The groups the local write path stored lately, oldest first, at most `maxTicks` ticks. A
 * suspect tick is compared with the ones whose time range meets its batch's in memory, and the
 * store is read only up to `evictedHigh`, the symbol's newest time in a group no longer held: two bridges
 * interleaving one symbol (every tick a suspect) otherwise read back, per batch, the other
 * bridge's ticks just stored. The in-process stream serves one gateway process, which is the
 * only writer of its tick store since it loaded each symbol's newest time. A group's ticks are
 * split by symbol only when a suspect first meets it: ticks in time order cost nothing here.
 */
export function createRecentGroups(maxTicks: number) {
  const groups: Group[] = [];
  let held = 0;
  const evictedHigh = new Map<string, number>(); // per symbol, the newest time of a group no longer held

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
        for (const t of oldest.ticks) if (t.time > (evictedHigh.get(t.symbol) ?? -Infinity)) evictedHigh.set(t.symbol, t.time);
      }
    },
    /** The ticks of `symbols` in the groups held whose time range meets [from, to] (lists of them). */
    overlapping(symbols: Iterable<string>, from: number, to: number): (readonly TickInput[])[] {
      const wanted = [...symbols]; // an iterator would be used up by the first group
      const lists: TickInput[][] = [];
      for (const g of groups) {
        if (g.maxTime < from || g.minTime > to) continue;
        g.bySymbol ??= bySymbolOf(g.ticks);
        for (const symbol of wanted) {
          const ticks = g.bySymbol.get(symbol);
          if (ticks) lists.push(ticks);
        }
      }
      return lists;
    },
    /** The newest time of `symbol` in a group no longer held (-Infinity: none); the store answers up to it. */
    evictedHigh(symbol: string): number {
      return evictedHigh.get(symbol) ?? -Infinity;
    },
  };
}

function bySymbolOf(ticks: readonly TickInput[]): Map<string, TickInput[]> {
  const bySymbol = new Map<string, TickInput[]>();
  for (const t of ticks) {
    const list = bySymbol.get(t.symbol);
    if (list) list.push(t);
    else bySymbol.set(t.symbol, [t]);
  }
  return bySymbol;
}
