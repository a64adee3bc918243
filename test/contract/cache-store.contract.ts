import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/stores/cache/cache-store.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

/** What every CacheStore adapter must do, run against each one that can start here. */
export function cacheStoreContract(name: string, open: () => Promise<CacheStore>) {
  describe(`CacheStore contract: ${name}`, () => {
    let cache: CacheStore;
    const run = Math.random().toString(36).slice(2, 8);
    const tick = (symbol: string, time: number, seq: number, bid = 1): StoredTick => ({
      symbol: `${symbol}${run}`, time, bid, ask: bid + 1, last: null, volume: 3, flags: 6, seq,
    });

    beforeAll(async () => {
      cache = await open();
      await cache.start();
    });
    afterAll(() => cache.close());

    it('answers ping', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    it('keeps the newest tick per symbol by (time, seq), whatever order they are offered in', async () => {
      await cache.offerLatest([tick('A', 100, 2), tick('B', 50, 1)]);
      await cache.offerLatest([tick('A', 90, 9), tick('A', 100, 1)]); // older: ignored
      await cache.offerLatest([tick('B', 50, 3, 7)]); // same ms, later seq: wins
      const [a, missing, b] = await cache.getLatest([`A${run}`, `Z${run}`, `B${run}`]);
      expect(a).toEqual(tick('A', 100, 2));
      expect(missing).toBeUndefined();
      expect(b).toEqual(tick('B', 50, 3, 7));
    });

    it('stores values with a time to live', async () => {
      await cache.set(`k1${run}`, 'v1', 60_000);
      await cache.set(`k2${run}`, 'v2', 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await cache.get(`k1${run}`)).toBe('v1');
      expect(await cache.get(`k2${run}`)).toBeUndefined();
      expect(await cache.get(`nope${run}`)).toBeUndefined();
    });
  });
}
