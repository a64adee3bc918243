import { describe, expect, it } from 'vitest';
import { createSinkMemory } from '../../src/ingest/sink-memory.js';
import type { TickRun } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

describe('sink memory', () => {
  const tick = (symbol: string, time: number): StoredTick => ({ symbol, time, bid: 1, ask: 1.0002, last: null, volume: null, flags: null, seq: time });
  const run = (symbol: string, from: number, count: number): TickRun => {
    const ticks = Array.from({ length: count }, (_, i) => tick(symbol, from + i));
    return { symbol, partition: 0, firstSeq: from, count, minTime: from, maxTime: from + count - 1, ticks: () => ticks, times: () => Float64Array.from(ticks, (t) => t.time), newest: () => ticks.at(-1)! };
  };
  // The store held ESYM up to time 50 when the sink loaded it, and nothing of FSYM.
  const store = { latest: async (symbols: string[]) => symbols.map((s) => (s === 'ESYM' ? tick(s, 50) : undefined)) } as never;

  it('knows each symbol from its newest stored time on, and what it stored since', async () => {
    const memory = createSinkMemory(store);
    await memory.load(['ESYM', 'FSYM']);
    expect([memory.newestOf('ESYM'), memory.newestOf('FSYM')]).toEqual([50, -Infinity]);
    const runs = [run('ESYM', 100, 10), run('FSYM', 100, 10)];
    memory.stored(runs);
    expect([memory.newestOf('ESYM'), memory.newestOf('FSYM')]).toEqual([109, 109]);
    // The store answers up to what it held when loaded; memory for what the sink stored since.
    expect([memory.notHeldThrough('ESYM'), memory.notHeldThrough('FSYM')]).toEqual([50, -Infinity]);
    expect(memory.overlapping(new Map([['ESYM', { from: 105, to: 200 }]]))).toEqual([runs[0]]);
    expect(memory.overlapping(new Map([['ESYM', { from: 110, to: 200 }]]))).toEqual([]);
  });

  it('lets the oldest runs go past its bound, and leaves their time range to the store', async () => {
    const memory = createSinkMemory(store, 25);
    await memory.load(['ESYM']);
    const runs = [run('ESYM', 100, 10), run('ESYM', 200, 10), run('ESYM', 300, 10)];
    for (const r of runs) memory.stored([r]);
    expect(memory.notHeldThrough('ESYM')).toBe(109);
    expect(memory.overlapping(new Map([['ESYM', { from: 0, to: 1000 }]]))).toEqual(runs.slice(1));
  });
});
