import type { StoredTick } from '../ticks/tick-store.js';
import { isNewer, type CacheStore } from './cache-store.js';

/**
 * In-process cache. Latest ticks: one entry per symbol, so bounded by the instrument count.
 * Query results: at most `maxEntries`, oldest-inserted evicted first (a Map keeps insertion order).
 */
export function createMemoryCacheStore(maxEntries = 10_000): CacheStore {
  const latest = new Map<string, StoredTick>();
  const results = new Map<string, { value: string; expiresAt: number }>();

  function read(key: string): string | undefined {
    const entry = results.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      results.delete(key);
      return undefined;
    }
    return entry.value;
  }

  return {
    engine: 'in-process',
    async start() {},
    async ping() {},
    async close() {
      latest.clear();
      results.clear();
    },
    async getLatest(symbols) {
      return symbols.map((s) => latest.get(s));
    },
    async offerLatest(ticks) {
      for (const tick of ticks) {
        if (isNewer(tick, latest.get(tick.symbol))) latest.set(tick.symbol, tick);
      }
    },
    async get(key) {
      return read(key);
    },
    async getMany(keys) {
      return keys.map(read);
    },
    async increment(key) {
      const value = Number(read(key) ?? 0) + 1;
      results.delete(key);
      results.set(key, { value: String(value), expiresAt: Infinity });
      return value;
    },
    async set(key, value, ttlMs) {
      results.delete(key);
      results.set(key, { value, expiresAt: Date.now() + ttlMs });
      if (results.size > maxEntries) results.delete(results.keys().next().value!);
    },
  };
}
