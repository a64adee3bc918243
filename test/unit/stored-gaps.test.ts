import { describe, expect, it } from 'vitest';
import { createStoredGaps, oldestAfterIn } from '../../src/ingest/stored-gaps.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

const tick = (symbol: string, time: number): TickInput => ({ symbol, time, bid: 1, ask: 2, last: null, volume: null, flags: null });

/** A store whose oldest tick after a time is read from a list; `reads` counts the calls. */
function storeOf(times: Record<string, number[]>) {
  const store = {
    reads: 0,
    async oldestAfter(symbols: readonly string[], after: number) {
      store.reads++;
      const found = new Map<string, number>();
      for (const s of symbols) {
        const later = (times[s] ?? []).filter((t) => t > after);
        if (later.length > 0) found.set(s, Math.min(...later));
      }
      return found;
    },
  };
  return store;
}

describe('stored gaps', () => {
  it('learns a gap from the end of a range the store holds nothing in up to the oldest stored, accepted or newest tick after it', async () => {
    const store = storeOf({ A: [10, 500, 900], B: [50] });
    const gaps = createStoredGaps(store);
    const suspects = new Map([['A', { from: 100, to: 200 }], ['B', { from: 20, to: 30 }]]);
    await gaps.learn(suspects, [], () => 900, (symbol) => (symbol === 'B' ? 45 : Infinity));
    expect(gaps.gapOf('A')).toEqual({ after: 200, before: 500, until: expect.any(Number) });
    expect(gaps.gapOf('B')).toEqual({ after: 30, before: 45, until: expect.any(Number) });
    expect(store.reads).toBe(1);
  });

  it('learns nothing where the store holds ticks in the range (a re-send), or when the gap would be empty', async () => {
    const store = storeOf({ A: [150, 500], B: [31] });
    const gaps = createStoredGaps(store);
    await gaps.learn(new Map([['A', { from: 100, to: 200 }]]), [tick('A', 150)], () => 900, () => Infinity);
    expect(store.reads).toBe(0);
    await gaps.learn(new Map([['B', { from: 20, to: 30 }]]), [], () => 900, () => Infinity);
    expect(gaps.gapOf('A')).toBeUndefined();
    expect(gaps.gapOf('B')).toBeUndefined();
  });

  it('does not read the store where ticks accepted lately follow the range at once (bridges interleaving)', async () => {
    const store = storeOf({ A: [1000] });
    const gaps = createStoredGaps(store);
    await gaps.learn(new Map([['A', { from: 0, to: 100 }]]), [], () => 1000, () => 101);
    expect(store.reads).toBe(0);
    expect(gaps.gapOf('A')).toBeUndefined();
  });

  it('does not read the store where what follows the range leaves a gap no wider than the range (clients interleaving a few ms apart)', async () => {
    const store = storeOf({ A: [100_000] });
    const gaps = createStoredGaps(store);
    await gaps.learn(new Map([['A', { from: 0, to: 40_000 }]]), [], () => 100_000, () => 40_003);
    await gaps.learn(new Map([['A', { from: 0, to: 40_000 }]]), [], () => 80_000, () => Infinity); // the newest tick 40,000 after
    expect(store.reads).toBe(0);
    expect(gaps.gapOf('A')).toBeUndefined();
    await gaps.learn(new Map([['A', { from: 0, to: 40_000 }]]), [], () => 80_001, () => Infinity); // wider than the range: an import's next batch fits
    expect(store.reads).toBe(1);
    expect(gaps.gapOf('A')).toMatchObject({ after: 40_000, before: 80_001 });
  });

  it('narrows a gap by the ticks accepted into it, keeping the part above them, and forgets it when full', async () => {
    const gaps = createStoredGaps(storeOf({ A: [1000] }));
    await gaps.learn(new Map([['A', { from: 0, to: 100 }]]), [], () => 1000, () => Infinity);
    gaps.narrowBy([tick('A', 150), tick('A', 120), tick('A', 50), tick('A', 2000)]);
    expect(gaps.gapOf('A')).toMatchObject({ after: 150, before: 1000 });
    gaps.narrow('A', 900, 1200); // a run reaching past its end: the part below is kept
    expect(gaps.gapOf('A')).toMatchObject({ after: 150, before: 900 });
    gaps.narrow('A', 151, 899);
    expect(gaps.gapOf('A')).toBeUndefined();
  });

  it('forgets a gap read too long ago', async () => {
    let now = 0;
    const gaps = createStoredGaps(storeOf({ A: [1000] }), () => now);
    await gaps.learn(new Map([['A', { from: 0, to: 100 }]]), [], () => 1000, () => Infinity);
    now = 29_000;
    gaps.expire();
    expect(gaps.gapOf('A')).toBeDefined();
    now = 31_000;
    gaps.expire();
    expect(gaps.gapOf('A')).toBeUndefined();
  });

  it('finds the oldest tick of a symbol after a time in lists of ticks', () => {
    expect(oldestAfterIn([[tick('A', 5), tick('B', 7)], [tick('A', 9), tick('A', 7)]], 'A', 5)).toBe(7);
    expect(oldestAfterIn([[tick('A', 5)]], 'A', 5)).toBe(Infinity);
  });
});
