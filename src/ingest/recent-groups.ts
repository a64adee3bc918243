import type { TickInput } from '../stores/ticks/tick-store.js';
import type { TimeSpan } from './symbol-spans.js';

/** Each symbol's oldest and newest time in a group. */
type TimeSpans = ReadonlyMap<string, Readonly<TimeSpan>>;

interface Group {
  ticks: readonly TickInput[];
  spans: TimeSpans;
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
    /** A group just stored, with its symbols' spans (no pass over its ticks here). */
    add(ticks: readonly TickInput[], spans: TimeSpans): void {
      let minTime = Infinity;
      let maxTime = -Infinity;
      for (const span of spans.values()) {
        if (span.oldest < minTime) minTime = span.oldest;
        if (span.newest > maxTime) maxTime = span.newest;
      }
      groups.push({ ticks, spans, minTime, maxTime });
      held += ticks.length;
      while (held > maxTicks && groups.length > 0) {
        const oldest = groups.shift()!;
        held -= oldest.ticks.length;
        for (const [symbol, span] of oldest.spans) if (span.newest > (evictedHigh.get(symbol) ?? -Infinity)) evictedHigh.set(symbol, span.newest);
      }
    },
    /** The ticks of `symbols` in the groups held, where the symbol's time span meets [from, to] (lists of them). */
    overlapping(symbols: Iterable<string>, from: number, to: number): (readonly TickInput[])[] {
      const wanted = [...symbols]; // an iterator would be used up by the first group
      const lists: (readonly TickInput[])[] = [];
      for (const g of groups) {
        if (g.maxTime < from || g.minTime > to) continue;
        for (const symbol of wanted) {
          const span = g.spans.get(symbol);
          if (span === undefined || span.newest < from || span.oldest > to) continue;
          if (g.spans.size === 1) lists.push(g.ticks); // one symbol's group (bridges interleaving one symbol): nothing to split
          else lists.push((g.bySymbol ??= bySymbolOf(g.ticks)).get(symbol)!);
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
