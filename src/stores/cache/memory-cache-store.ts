import type { StoredTick } from '../ticks/tick-store.js';
import { isNewer, type CacheStore } from './cache-store.js';

export interface MemoryCacheLimits {
  /** Query results kept at most. */
  maxEntries: number;
  /** Size of the query results kept at most, in bytes (CACHE_MAX_BYTES): keys and values, plus ENTRY_OVERHEAD_BYTES each. */
  maxBytes: number;
}

// What an entry costs besides its characters: 100,000 entries of a 33-character candle key and
// an empty chunk ('[]') took 190 bytes each of heap (Node 20, heapUsed after gc()), 155 more
// than their 35 characters.
const ENTRY_OVERHEAD_BYTES = 160;

/**
 * In-process cache. Latest ticks: one entry per symbol, so bounded by the instrument count.
 * Query results: at most `maxEntries` and `maxBytes`, oldest-inserted evicted first (a Map keeps
 * insertion order). The byte bound is what holds the memory: a client choosing candle ranges
 * chooses which chunks are cached, and a chunk can be 120 candles (~13 KB) or an empty list
 * (issue 13). Keys and values are ASCII (JSON, numbers), one byte a character in V8.
 */
export function createMemoryCacheStore(
  { maxEntries, maxBytes }: MemoryCacheLimits = { maxEntries: 10_000, maxBytes: 64 * 2 ** 20 },
): CacheStore & { readonly heldBytes: number } {
  const latest = new Map<string, StoredTick>();
  const results = new Map<string, { value: string; expiresAt: number }>();
  let bytes = 0;
  const sizeOf = (key: string, value: string) => key.length + value.length + ENTRY_OVERHEAD_BYTES;

  function remove(key: string): void {
    const entry = results.get(key);
    if (!entry) return;
    results.delete(key);
    bytes -= sizeOf(key, entry.value);
  }

  function put(key: string, value: string, expiresAt: number): void {
    remove(key);
    const size = sizeOf(key, value);
    if (size > maxBytes) return; // could never be kept: keeping it would evict everything else
    results.set(key, { value, expiresAt });
    bytes += size;
    for (const oldest of results.keys()) {
      if (results.size <= maxEntries && bytes <= maxBytes) break;
      remove(oldest);
    }
  }

  function read(key: string): string | undefined {
    const entry = results.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      remove(key);
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
      bytes = 0;
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
      put(key, String(value), Infinity);
      return value;
    },
    async set(key, value, ttlMs) {
      put(key, value, Date.now() + ttlMs);
    },
    get heldBytes() {
      return bytes;
    },
  };
}
