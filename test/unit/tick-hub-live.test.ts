import { describe, expect, it } from 'vitest';
import { decodeLiveCursor } from '../../src/graphql/cursor.js';
import { createTickHub, type LiveTick } from '../../src/graphql/tick-hub.js';
import type { AcceptedListener } from '../../src/ingest/tick-ingest.js';
import { createMetrics } from '../../src/metrics.js';
import type { TickStream } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick, TickStore } from '../../src/stores/ticks/tick-store.js';

/**
 * A live tick's cursor says where the stream stood once it was accepted: the last seq of every
 * partition, those of ticks no subscriber wanted included. The hub looks a symbol's partition up
 * once a run of that symbol, so the positions must stay right when symbols and partitions interleave.
 */
describe('live ticks across partitions', () => {
  const PARTITION: Record<string, number> = { A: 0, B: 1, C: 0 };
  const tick = (symbol: string, seq: number): StoredTick => ({ symbol, time: 1_700_000_000_000 + seq, bid: 1, ask: 1.1, last: null, volume: null, flags: null, seq });

  async function hub() {
    let feed!: AcceptedListener;
    const stream = { kind: 'local', partitionOf: (s: string) => PARTITION[s]!, partitionCount: () => 2 } as unknown as TickStream;
    const ticks = { maxSeq: async () => -1 } as unknown as TickStore;
    const h = createTickHub({ onAccepted: (l) => ((feed = l), () => {}), stream, ticks, metrics: createMetrics(), replayMax: 100 });
    await h.start();
    const delivered: LiveTick[] = [];
    h.subscribe(['A'], { deliver: (e) => delivered.push(e) });
    const send = (...list: [string, number][]) => feed(list.map(([s, seq]) => tick(s, seq)));
    const seen = () => delivered.map((e) => [e.tick.seq, Object.fromEntries(decodeLiveCursor(e.cursor, 2))]);
    return { send, seen };
  }

  it("gives each delivered tick the positions of every partition, interleaved symbols' ticks counted", async () => {
    const { send, seen } = await hub();
    send(['B', 1], ['C', 2], ['A', 3], ['B', 4], ['A', 5]);
    expect(seen()).toEqual([
      [3, { 0: 3, 1: 1 }],
      [5, { 0: 5, 1: 4 }],
    ]);
  });

  it('skips a tick the stream delivers twice, and keeps positions moved by ticks no one wanted', async () => {
    const { send, seen } = await hub();
    send(['A', 5], ['B', 6]);
    send(['A', 5], ['C', 7]); // A 5 again: not delivered twice
    send(['B', 8]);
    send(['A', 9], ['A', 7]); // 7 is behind partition 0's position
    expect(seen()).toEqual([
      [5, { 0: 5 }],
      [9, { 0: 9, 1: 8 }],
    ]);
  });

  it("reads the stream's position only once the stream has started, so that it is not behind where the live feed starts", async () => {
    let asked = 0;
    let started!: () => void;
    const streamStarted = new Promise<void>((resolve) => (started = resolve));
    const stream = { kind: 'durable', partitionOf: () => 0, partitionCount: () => 1, positions: async () => (asked++, new Map([[0, 41]])) } as unknown as TickStream;
    const h = createTickHub({ onAccepted: () => () => {}, stream, ticks: {} as TickStore, metrics: createMetrics(), replayMax: 100, streamStarted });
    const starting = h.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toBe(0);
    started();
    await starting;
    expect(asked).toBe(1);
  });
});
