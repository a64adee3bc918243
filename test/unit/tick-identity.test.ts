import { describe, expect, it } from 'vitest';
import { suspectRanges, withoutRepeats } from '../../src/ingest/tick-identity.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

const tick = (symbol: string, time: number, over: Partial<TickInput> = {}): TickInput => ({ symbol, time, bid: 1, ask: 2, last: null, volume: null, flags: null, ...over });

describe('tick identity', () => {
  it('marks as suspect only ticks at or before their symbol’s mark or an earlier tick of theirs', () => {
    const ticks = [tick('A', 10), tick('A', 11), tick('A', 5), tick('B', 3), tick('B', 8), tick('A', 12), tick('A', 11)];
    const marks = new Map([['A', 9], ['B', 4]]);
    expect(suspectRanges(ticks, (s) => marks.get(s) ?? -Infinity)).toEqual(new Map([['A', { from: 5, to: 11 }], ['B', { from: 3, to: 3 }]]));
    expect(suspectRanges([tick('A', 10), tick('A', 20)], () => 9)).toEqual(new Map());
  });

  it('takes ticks inside a known gap, in order and before any tick after the mark, as new', () => {
    const gap = { after: 100, before: 200 };
    const gapOf = (s: string) => (s === 'A' ? gap : undefined);
    const mark = () => 500;
    // In the gap and in order: new. Repeating the time, going back, or reaching its end: suspect.
    expect(suspectRanges([tick('A', 101), tick('A', 150), tick('A', 199)], mark, gapOf)).toEqual(new Map());
    expect(suspectRanges([tick('A', 120), tick('A', 120)], mark, gapOf)).toEqual(new Map([['A', { from: 120, to: 120 }]]));
    expect(suspectRanges([tick('A', 150), tick('A', 140)], mark, gapOf)).toEqual(new Map([['A', { from: 140, to: 140 }]]));
    expect(suspectRanges([tick('A', 100), tick('A', 200)], mark, gapOf)).toEqual(new Map([['A', { from: 100, to: 200 }]]));
    // After a tick past the mark, a tick in the gap is out of order in the list: suspect.
    expect(suspectRanges([tick('A', 150), tick('A', 600), tick('A', 160)], mark, gapOf)).toEqual(new Map([['A', { from: 160, to: 160 }]]));
    // Another symbol has no gap.
    expect(suspectRanges([tick('B', 150)], mark, gapOf)).toEqual(new Map([['B', { from: 150, to: 150 }]]));
  });

  it('drops a suspect only when every field repeats a tick seen or earlier in the list', () => {
    const before = [tick('A', 5, { volume: 2 })];
    const list = [tick('A', 5, { volume: 2 }), tick('A', 5, { volume: 3 }), tick('A', 5, { volume: 3 }), tick('A', 6), tick('A', 5, { volume: 2, last: 1 })];
    const kept = withoutRepeats(list, new Map([['A', { from: 5, to: 5 }]]), [before]);
    expect(kept).toEqual([list[1], list[3], list[4]]);
  });

  it('takes an absent optional field as null', () => {
    const list = [tick('A', 1)];
    expect(withoutRepeats(list, new Map([['A', { from: 1, to: 1 }]]), [[{ symbol: 'A', time: 1, bid: 1, ask: 2 } as TickInput]])).toEqual([]);
  });

  /** A list's ticks as runs of the log, one per symbol: what the durable write path compares with. */
  const asRuns = (list: TickInput[]) =>
    ['A', 'B', 'C'].map((symbol) => {
      const own = list.filter((t) => t.symbol === symbol);
      const times = own.map((t) => t.time);
      return { symbol, minTime: Math.min(...times), maxTime: Math.max(...times), times: () => Float64Array.from(times), ticks: () => own };
    });

  it('drops exactly what a key per tick would, for lists and earlier ticks in any order', () => {
    // xorshift: a failure names its case again.
    let x = 88172645;
    const random = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    // Times from 40 or from 3 values: the second gives runs of more than 8 ticks at one time.
    let times = 40;
    const any = () => tick(['A', 'B', 'C'][random(3)]!, 1_000 + random(times), { bid: 1 + random(2), volume: random(2) ? null : 1, flags: random(4) });
    const key = (t: TickInput) => JSON.stringify([t.symbol, t.time, t.bid, t.ask, t.last, t.volume, t.flags]);
    for (let round = 0; round < 300; round++) {
      times = round % 4 === 0 ? 3 : 40;
      const list = Array.from({ length: random(60) }, any);
      // Some lists in time order, as bridges send them; the others in any order.
      if (round % 2) list.sort((a, b) => a.time - b.time);
      const before = Array.from({ length: random(4) }, () => Array.from({ length: random(80) }, any).sort((a, b) => (round % 3 ? a.time - b.time : 0)));
      const suspects = suspectRanges(list, () => 1_000 + random(times));
      const inRange = (t: TickInput) => {
        const range = suspects.get(t.symbol);
        return range !== undefined && t.time >= range.from && t.time <= range.to;
      };
      const seen = new Set(before.flat().map(key));
      const expected = list.filter((t) => !inRange(t) || (!seen.has(key(t)) && (seen.add(key(t)), true)));
      expect(withoutRepeats(list, suspects, before), `round ${round}`).toEqual(expected);
      // The same earlier ticks as runs of the log (one symbol each, compared by their times first).
      expect(withoutRepeats(list, suspects, before.flatMap(asRuns)), `round ${round}, as runs`).toEqual(expected);
    }
  });
});
