import { describe, expect, it } from 'vitest';
import { latestOf, mergeSpans, spansOf } from '../../src/ingest/symbol-spans.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

const tick = (symbol: string, time: number, seq: number): StoredTick => ({ symbol, time, bid: 1, ask: 1.1, last: null, volume: null, flags: null, seq });

describe('symbol spans', () => {
  it("gives each symbol's oldest and newest time and its newest tick, symbols in runs or interleaved", () => {
    const list = [tick('A', 20, 1), tick('A', 10, 2), tick('B', 5, 3), tick('A', 30, 4), tick('B', 7, 5), tick('B', 6, 6)];
    const spans = spansOf(list);
    expect(Object.fromEntries(spans)).toEqual({
      A: { oldest: 10, newest: 30, latest: list[3] },
      B: { oldest: 5, newest: 7, latest: list[4] },
    });
    expect(latestOf(spans)).toEqual([list[3], list[4]]);
  });

  it('takes the higher seq as the newest tick among ticks of one time, as the latest-tick cache does', () => {
    const list = [tick('A', 10, 9), tick('A', 10, 3), tick('A', 10, 12)];
    expect(spansOf(list).get('A')!.latest).toBe(list[2]);
  });

  it('merges the spans of several batches into the group their ticks went into', () => {
    const a = [tick('A', 10, 1), tick('B', 50, 2)];
    const b = [tick('A', 5, 3), tick('A', 8, 4)];
    const c = [tick('C', 1, 5), tick('A', 12, 6)];
    const own = [a, b, c].map(spansOf);
    const merged = mergeSpans(own);
    expect(Object.fromEntries(merged)).toEqual(Object.fromEntries(spansOf([...a, ...b, ...c])));
    expect(own[0]!.get('A')).toEqual({ oldest: 10, newest: 10, latest: a[0] }); // merging left the batch's own spans alone
  });
});
