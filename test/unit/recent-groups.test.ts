import { describe, expect, it } from 'vitest';
import { createRecentGroups } from '../../src/ingest/recent-groups.js';
import { spansOf } from '../../src/ingest/symbol-spans.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

const ticks = (...times: number[]): StoredTick[] => times.map((time, seq) => ({ symbol: 'A', time, bid: 1, ask: 2, last: null, volume: null, flags: null, seq }));
// A group as the local write path adds it: its ticks and their spans.
const groupOf = (list: StoredTick[]) => [list, spansOf(list)] as const;

describe('recent groups', () => {
  it('gives the groups whose time range meets a range', () => {
    const recent = createRecentGroups(100);
    const [a, b, c] = [ticks(10, 5, 20), ticks(30, 40), ticks(50)];
    for (const g of [a, b, c]) recent.add(...groupOf(g));
    expect(recent.overlapping(['A'], 21, 29)).toEqual([]);
    expect(recent.overlapping(['A'], 4, 5)).toEqual([a]);
    expect(recent.overlapping(['A'], 20, 30)).toEqual([a, b]);
    expect(recent.overlapping(['A'], 0, 100)).toEqual([a, b, c]);
    expect(recent.evictedHigh('A')).toBe(-Infinity);
  });

  it('gives every group\'s ticks when the symbols come as an iterator (a Map\'s keys)', () => {
    const recent = createRecentGroups(100);
    const [a, b] = [ticks(10), ticks(11)];
    recent.add(...groupOf(a));
    recent.add(...groupOf(b));
    expect(recent.overlapping(new Map([['A', 0]]).keys(), 0, 100)).toEqual([a, b]);
  });

  it('gives only the ticks of the symbols asked for', () => {
    const recent = createRecentGroups(100);
    const mixed = [...ticks(10, 12), { ...ticks(11)[0]!, symbol: 'B' }];
    recent.add(...groupOf(mixed));
    expect(recent.overlapping(['B'], 0, 100)).toEqual([[mixed[2]]]);
    expect(recent.overlapping(['A', 'B'], 0, 100)).toEqual([[mixed[0], mixed[1]], [mixed[2]]]);
    expect(recent.overlapping(['C'], 0, 100)).toEqual([]);
  });

  it("passes over a group where the symbol's own ticks are outside the range, though the group's are not", () => {
    const recent = createRecentGroups(100);
    const group = [...ticks(10, 12), ...ticks(50, 60).map((t) => ({ ...t, symbol: 'B' }))];
    recent.add(...groupOf(group));
    expect(recent.overlapping(['A'], 40, 70)).toEqual([]);
    expect(recent.overlapping(['A', 'B'], 40, 70)).toEqual([group.slice(2)]);
    expect(recent.overlapping(['A'], 12, 70)).toEqual([group.slice(0, 2)]);
  });

  it('evicts the oldest groups past its bound, and says up to when the store must answer', () => {
    const recent = createRecentGroups(4);
    const [a, b, c] = [ticks(10, 30), ticks(20, 25), ticks(5, 40)];
    recent.add(...groupOf(a));
    recent.add(...groupOf(b));
    recent.add(...groupOf(c)); // 6 ticks: a goes, 4 are held
    expect(recent.overlapping(['A'], 0, 100)).toEqual([b, c]);
    expect(recent.evictedHigh('A')).toBe(30);
    recent.add(...groupOf(ticks(50))); // 5: b goes
    expect(recent.overlapping(['A'], 0, 100)).toEqual([c, expect.any(Array)]);
    expect(recent.evictedHigh('A')).toBe(30);
  });

  it('keeps the newest evicted time per symbol', () => {
    const recent = createRecentGroups(1);
    recent.add(...groupOf([...ticks(10, 50), { ...ticks(20)[0]!, symbol: 'B' }]));
    expect(recent.evictedHigh('A')).toBe(50);
    expect(recent.evictedHigh('B')).toBe(20);
    expect(recent.evictedHigh('C')).toBe(-Infinity);
  });
});
