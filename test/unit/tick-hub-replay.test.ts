import { describe, expect, it } from 'vitest';
import { liveCursor } from '../../src/graphql/cursor.js';
import { createTickHub, type LiveTick } from '../../src/graphql/tick-hub.js';
import { createMetrics } from '../../src/metrics.js';
import type { TickListener, TickStream } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick, TickStore } from '../../src/stores/ticks/tick-store.js';

/**
 * Live ticks that arrive while a resumed subscription replays what it missed wait behind the
 * replay. Issue 13: what waits is bounded by SUBSCRIPTION_REPLAY_MAX, like the replay itself.
 */
describe('a resumed subscription', () => {
  const tick = (seq: number): StoredTick => ({ symbol: 'EURUSD', time: 1_700_000_000_000 + seq, bid: 1, ask: 1.1, last: null, volume: null, flags: null, seq });

  async function hubReplaying(replayMax: number) {
    let feed!: TickListener;
    let releaseReplay!: () => void;
    let replayCalled!: () => void;
    const replaying = new Promise<void>((r) => (replayCalled = r));
    const ticks = {
      maxSeq: async () => 10,
      acceptedAfter: async () => {
        replayCalled();
        await new Promise<void>((r) => (releaseReplay = r));
        return [tick(10)];
      },
    } as unknown as TickStore;
    const stream = { kind: 'local', partitionOf: () => 0, partitionCount: () => 1 } as unknown as TickStream;
    const hub = createTickHub({ onAccepted: (l) => ((feed = l), () => {}), stream, ticks, metrics: createMetrics(), replayMax });
    await hub.start();
    const delivered: LiveTick[] = [];
    const subscription = hub.subscribe(['EURUSD'], { deliver: (e) => delivered.push(e) }, hub.positionsOf(liveCursor(new Map([[0, 9]]))));
    await replaying;
    return { feed: (seqs: number[]) => feed(seqs.map(tick)), releaseReplay, subscription, delivered };
  }

  it('delivers the replay, then the ticks that arrived during it, in order', async () => {
    const { feed, releaseReplay, subscription, delivered } = await hubReplaying(100);
    feed([11, 12, 13]);
    releaseReplay();
    await subscription.ready;
    expect(delivered.map((e) => e.tick.seq)).toEqual([10, 11, 12, 13]);
  });

  it('is refused with BAD_USER_INPUT, holding no more than the replay cap, when more ticks arrive during the replay than it may replay', async () => {
    const { feed, releaseReplay, subscription, delivered } = await hubReplaying(100);
    feed(Array.from({ length: 10_000 }, (_, i) => 11 + i));
    releaseReplay();
    await expect(subscription.ready).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    expect(delivered.map((e) => e.tick.seq)).toEqual([10]); // the replay; none of the 10,000 held
    feed([20_000]); // closed: nothing more
    expect(delivered).toHaveLength(1);
  });
});
