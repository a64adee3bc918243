import { describe, expect, it } from 'vitest';
import { createDurableWritePath } from '../../src/ingest/durable-write-path.js';
import { createMetrics } from '../../src/metrics.js';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import type { Stores } from '../../src/stores/stores.js';
import type { DurableTickStream, RunListener, TickRun } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

/**
 * The durable write path's side of the live feed, with a stand-in stream that hands it runs:
 * which runs it decodes, what it passes on, and the positions it reports.
 */
function setup() {
  let feed!: RunListener;
  const stream = { kind: 'durable', follow: (listener: RunListener) => ((feed = listener), () => undefined) } as unknown as DurableTickStream;
  const stores = { cache: createMemoryCacheStore(), ticks: { latest: async () => [] } } as unknown as Stores;
  const ingest = createDurableWritePath(stores, stream, createMetrics(), { maxPendingTicks: 1_000, sinkGroup: 'unused' });
  const decoded: string[] = [];
  const run = (symbol: string, partition: number, firstSeq: number, times: number[]): TickRun => {
    const ticks = times.map((time, n): StoredTick => ({ symbol, time, bid: 1, ask: 2, last: null, volume: null, flags: null, seq: firstSeq + n }));
    return {
      symbol, partition, firstSeq, count: ticks.length, minTime: Math.min(...times), maxTime: Math.max(...times),
      ticks: () => (decoded.push(`${symbol}@${firstSeq}`), ticks),
      times: () => Float64Array.from(times),
      newest: () => ticks.reduce((a, b) => (b.time >= a.time ? b : a)),
    };
  };
  return { ingest, feed: (runs: TickRun[]) => feed(runs), decoded, run };
}

describe('durable write path, live feed', () => {
  it('decodes only the runs of symbols a listener wants, and says how far the stream went', async () => {
    const { ingest, feed, decoded, run } = setup();
    await ingest.start();
    const got: { ticks: StoredTick[]; through?: ReadonlyMap<number, number> }[] = [];
    ingest.onAccepted((ticks, through) => got.push({ ticks: [...ticks], through }), (symbol) => symbol === 'WANTED');
    feed([run('OTHER', 0, 0, [1, 2, 3]), run('WANTED', 1, 0, [1, 2]), run('OTHER', 0, 1024, [4])]);
    expect(decoded).toEqual(['WANTED@0']);
    expect(got).toHaveLength(1);
    expect(got[0]!.ticks.map((t) => [t.symbol, t.seq])).toEqual([['WANTED', 0], ['WANTED', 1]]);
    expect(got[0]!.through).toEqual(new Map([[0, 1024], [1, 1]]));
  });

  it('passes on once a tick that two processes raced to append (the later copy in the log is dropped)', async () => {
    const { ingest, feed, run } = setup();
    await ingest.start();
    const got: StoredTick[] = [];
    ingest.onAccepted((ticks) => got.push(...ticks));
    feed([run('RACED', 0, 0, [10, 11, 12])]);
    feed([run('RACED', 0, 1024, [11, 13])]); // 11 again, from the other process's copy
    expect(got.map((t) => [t.time, t.seq])).toEqual([[10, 0], [11, 1], [12, 2], [13, 1025]]);
  });

  it('compares a run out of time order with the earlier runs by their times, decoding one only where a time is shared', async () => {
    const { ingest, feed, decoded, run } = setup();
    await ingest.start();
    const got: StoredTick[] = [];
    ingest.onAccepted((ticks) => got.push(...ticks));
    feed([run('MIXED', 0, 0, [10, 12, 14])]);
    feed([run('MIXED', 0, 1024, [11, 13])]); // another bridge's ticks, interleaving: no time in common
    expect(decoded).toEqual(['MIXED@0', 'MIXED@1024']); // each decoded once, to be passed on
    feed([run('MIXED', 0, 2048, [12, 15])]); // 12 again
    expect(decoded).toEqual(['MIXED@0', 'MIXED@1024', 'MIXED@2048', 'MIXED@0']);
    expect(got.map((t) => t.time)).toEqual([10, 12, 14, 11, 13, 15]);
  });
});
