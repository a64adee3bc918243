import { describe, expect, it } from 'vitest';
import { createLocalWritePath } from '../../src/ingest/local-write-path.js';
import { createMetrics } from '../../src/metrics.js';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import type { Stores } from '../../src/stores/stores.js';
import { createMemoryTickStream } from '../../src/stores/stream/memory-tick-stream.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

/**
 * What the ingest path remembers per symbol (the newest stored time) is keyed by a value the
 * client chooses. Issue 13: it must hold instruments that exist, not every symbol ever sent.
 */
describe('the ingest path’s memory per symbol', () => {
  function ingestWith(instruments: string[]) {
    const askedForLatest: string[] = [];
    const stores = {
      relational: { instrumentsBySymbols: async (symbols: string[]) => symbols.map((s) => (instruments.includes(s) ? { symbol: s } : null)) },
      ticks: {
        latest: async (symbols: string[]) => (askedForLatest.push(...symbols), symbols.map(() => undefined)),
        maxSeq: async () => 0,
        insert: async () => {},
      },
      cache: createMemoryCacheStore(),
    } as unknown as Stores;
    const ingest = createLocalWritePath(stores, createMemoryTickStream(), createMetrics(), { maxPendingTicks: 1_000_000 });
    return { ingest, askedForLatest };
  }
  const at = Date.now() - 1_000;
  const tick = (symbol: string, i = 0): TickInput => ({ symbol, time: at + i, bid: 1, ask: 1.1, last: null, volume: null, flags: null });

  it('keeps nothing for symbols of rejected ticks, however many distinct ones are sent', async () => {
    const { ingest, askedForLatest } = ingestWith(['EURUSD']);
    for (let batch = 0; batch < 5; batch++) {
      const madeUp = Array.from({ length: 10_000 }, (_, i) => tick(`Z${batch}_${i}`));
      const result = await ingest.insertTicks([...madeUp, tick('EURUSD', batch)]);
      expect(result).toMatchObject({ accepted: 1, duplicates: 0 });
      expect(result.rejected).toHaveLength(10_000);
    }
    // The one instrument that exists was looked up once; no made-up symbol ever was.
    expect(askedForLatest).toEqual(['EURUSD']);
    ingest.stop();
  });
});
