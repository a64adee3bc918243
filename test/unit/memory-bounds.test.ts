import { describe, expect, it } from 'vitest';
import { cachedApiKeyLookup } from '../../src/auth/api-key-cache.js';
import { createIngestRateLimit, MAX_BUCKETS } from '../../src/ingest/rate-limit.js';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import type { ApiKeyRow } from '../../src/stores/relational/relational-store.js';

/** Issue 13: every structure keyed by what a client sends holds at most a stated amount. */
describe('the in-process cache', () => {
  const chunk = JSON.stringify(Array.from({ length: 120 }, (_, i) => ({ time: 1_700_000_000_000 + i * 60_000, open: 1.08123, high: 1.08456, low: 1.07987, close: 1.08234, volume: 12, ticks: 40 })));

  it('holds at most its byte bound, whatever the number of distinct keys, and keeps the newest', async () => {
    const cache = createMemoryCacheStore({ maxEntries: 10_000, maxBytes: 1 * 2 ** 20 });
    for (let i = 0; i < 5_000; i++) await cache.set(`candles:M1:0:${i}:EURUSD`, chunk, 60_000);
    expect(cache.heldBytes).toBeLessThanOrEqual(2 ** 20);
    const kept = (await cache.getMany(Array.from({ length: 5_000 }, (_, i) => `candles:M1:0:${i}:EURUSD`))).filter((v) => v !== undefined);
    expect(kept.length).toBe(Math.floor(2 ** 20 / (chunk.length + 'candles:M1:0:4999:EURUSD'.length + 160)));
    expect(await cache.get('candles:M1:0:4999:EURUSD')).toBe(chunk); // the newest stays
    expect(await cache.get('candles:M1:0:0:EURUSD')).toBeUndefined(); // the oldest went
  });

  it('holds at most its entry bound of small values', async () => {
    const cache = createMemoryCacheStore({ maxEntries: 1_000, maxBytes: 2 ** 30 });
    for (let i = 0; i < 3_000; i++) await cache.set(`k${i}`, '[]', 60_000);
    const kept = (await cache.getMany(Array.from({ length: 3_000 }, (_, i) => `k${i}`))).filter((v) => v !== undefined);
    expect(kept).toHaveLength(1_000);
  });

  it('counts a value replaced or expired once', async () => {
    const cache = createMemoryCacheStore({ maxEntries: 10, maxBytes: 10_000 });
    await cache.set('a', 'x'.repeat(100), 60_000);
    await cache.set('a', 'x'.repeat(50), 60_000);
    await cache.increment('n');
    await cache.increment('n');
    expect(cache.heldBytes).toBe(1 + 50 + 160 + 1 + 1 + 160);
    await cache.set('b', 'y', -1); // already expired
    expect(await cache.get('b')).toBeUndefined();
    expect(cache.heldBytes).toBe(1 + 50 + 160 + 1 + 1 + 160);
  });
});

describe('the API key cache', () => {
  it('remembers at most 10,000 ids: past that the oldest is looked up again', async () => {
    const asked: string[] = [];
    const find = cachedApiKeyLookup({ findApiKey: async (id: string) => (asked.push(id), null as ApiKeyRow | null) }, 60_000);
    const ids = Array.from({ length: 10_001 }, (_, i) => i.toString(16).padStart(16, '0'));
    for (const id of ids) await find(id);
    await find(ids[10_000]!); // the newest: remembered
    await find(ids[0]!); // the oldest: evicted when the 10,001st came
    expect(asked).toHaveLength(10_002);
    expect(asked.at(-1)).toBe(ids[0]);
  });
});

describe('the insertTicks rate limit', () => {
  it('holds at most MAX_BUCKETS buckets, however many distinct credentials send', () => {
    const limit = createIngestRateLimit({ ticksPerSecond: 10, burst: 10 }, () => 0);
    for (let i = 0; i < MAX_BUCKETS + 5_000; i++) limit.admit(`key-${i}`, 5); // each leaves a bucket that is not full
    expect(limit.size).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(limit.size).toBeGreaterThan(MAX_BUCKETS * 0.98); // past the bound, places are freed 1% at a time
  });
});
