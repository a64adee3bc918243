import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/stores/cache/cache-store.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

/**
 * What every CacheStore adapter must do, run against each one that can start here. `open`
 * gives two instances: a server cache is shared by gateway processes, so what one writes the
 * other reads. An in-process cache is per process and gives the same object twice.
 */
export function cacheStoreContract(name: string, open: () => Promise<[CacheStore, CacheStore]>) {
  describe(`CacheStore contract: ${name}`, () => {
    let cache: CacheStore;
    let peer: CacheStore;
    const run = Math.random().toString(36).slice(2, 8);
    const tick = (symbol: string, time: number, seq: number, bid = 1): StoredTick => ({
      symbol: `${symbol}${run}`, time, bid, ask: bid + 1, last: null, volume: 3, flags: 6, seq,
    });

    beforeAll(async () => {
      [cache, peer] = await open();
      await cache.start();
      if (peer !== cache) await peer.start();
    });
    afterAll(async () => {
      await cache.close();
      if (peer !== cache) await peer.close();
    });

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

    it('keeps the newest of a batch that holds several ticks of one symbol', async () => {
      await cache.offerLatest([tick('C', 200, 1), tick('C', 300, 0, 5), tick('C', 150, 9)]);
      expect(await cache.getLatest([`C${run}`])).toEqual([tick('C', 300, 0, 5)]);
      expect(await cache.getLatest([])).toEqual([]);
      await cache.offerLatest([]);
    });

    it('keeps the newest tick when two instances offer batches at the same time', async () => {
      // Every (time, seq) once, shuffled, in small batches sent alternately through both
      // instances without waiting: a read-then-write that is not atomic loses this race now and
      // then, so it runs a few rounds.
      for (let round = 0; round < 5; round++) {
        const symbols = ['D', 'E', 'F'].map((s) => `${s}${round}`);
        const ticks = shuffle(symbols.flatMap((s) => Array.from({ length: 120 }, (_, i) => tick(s, 1_000 + (i >> 2), i % 4, i))));
        const batches = Array.from({ length: ticks.length / 6 }, (_, b) => ticks.slice(b * 6, b * 6 + 6));
        await Promise.all(batches.map((batch, b) => (b % 2 ? peer : cache).offerLatest(batch)));
        const expected = symbols.map((s) => tick(s, 1_029, 3, 119));
        expect(await cache.getLatest(symbols.map((s) => `${s}${run}`))).toEqual(expected);
        expect(await peer.getLatest(symbols.map((s) => `${s}${run}`))).toEqual(expected);
      }
    });

    it('keeps query results apart from latest ticks of the same name', async () => {
      await cache.set(`G${run}`, 'result', 60_000);
      expect(await cache.getLatest([`G${run}`])).toEqual([undefined]);
      await cache.offerLatest([tick('H', 1, 1)]);
      expect(await cache.get(`H${run}`)).toBeUndefined();
      expect(await peer.get(`G${run}`)).toBe('result');
    });

    it('stores values with a time to live', async () => {
      await cache.set(`k1${run}`, 'v1', 60_000);
      await cache.set(`k2${run}`, 'v2', 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(await cache.get(`k1${run}`)).toBe('v1');
      expect(await cache.get(`k2${run}`)).toBeUndefined();
      expect(await cache.get(`nope${run}`)).toBeUndefined();
      expect(await cache.getMany([`k2${run}`, `k1${run}`, `nope${run}`])).toEqual([undefined, 'v1', undefined]);
      expect(await cache.getMany([])).toEqual([]);
    });

    it('counts up from 1, shared by every instance', async () => {
      expect(await cache.increment(`c${run}`)).toBe(1);
      expect(await peer.increment(`c${run}`)).toBe(2);
      const together = await Promise.all([cache.increment(`c${run}`), peer.increment(`c${run}`)]);
      expect(together.sort()).toEqual([3, 4]);
      expect(await cache.increment(`other${run}`)).toBe(1);
      expect(await peer.get(`c${run}`)).toBe('4');
    });
  });
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
