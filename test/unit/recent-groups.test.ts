import { describe, expect, it } from 'vitest';
import { createRecentGroups } from '../../src/ingest/recent-groups.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

const ticks = (...times: number[]): TickInput[] => times.map((time) => ({ symbol: 'A', time, bid: 1, ask: 2, last: null, volume: null, flags: null }));

describe('recent groups', () => {
  it('gives the groups whose time range meets a range', () => {
    const recent = createRecentGroups(100);
    const [a, b, c] = [ticks(10, 5, 20), ticks(30, 40), ticks(50)];
    for (const g of [a, b, c]) recent.add(g);
    expect(recent.overlapping(21, 29)).toEqual([]);
    expect(recent.overlapping(4, 5)).toEqual([a]);
    expect(recent.overlapping(20, 30)).toEqual([a, b]);
    expect(recent.overlapping(0, 100)).toEqual([a, b, c]);
    expect(recent.evictedHigh).toBe(-Infinity);
  });

  it('evicts the oldest groups past its bound, and says up to when the store must answer', () => {
    const recent = createRecentGroups(4);
    const [a, b, c] = [ticks(10, 30), ticks(20, 25), ticks(5, 40)];
    recent.add(a);
    recent.add(b);
    recent.add(c); // 6 ticks: a goes, 4 are held
    expect(recent.overlapping(0, 100)).toEqual([b, c]);
    expect(recent.evictedHigh).toBe(30);
    recent.add(ticks(50)); // 5: b goes
    expect(recent.overlapping(0, 100)).toEqual([c, expect.any(Array)]);
    expect(recent.evictedHigh).toBe(30);
  });
});
