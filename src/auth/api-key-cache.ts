import type { ApiKeyRow, RelationalStore } from '../stores/relational/relational-store.js';

// Bounds the memory (~300 bytes an entry: ~3 MB); past it the oldest entry goes.
const MAX_CACHED_KEYS = 10_000;

/** `maxAgeMs`: the oldest cached answer the caller accepts (default, and at most, the TTL). */
export type FindApiKey = (id: string, maxAgeMs?: number) => Promise<ApiKeyRow | null>;

/**
 * Finds API keys by id and remembers each answer, found or not, for `ttlMs`, so that a request
 * does not cost a SQL round trip. The price: a key revoked with `marketgraph keys revoke` keeps
 * working on a running gateway for up to `ttlMs` (AUTH_KEY_CACHE_TTL_MS, 30 s by default; 0
 * turns the cache off). Concurrent lookups of one id share one query; a failed one is forgotten.
 * A caller that must see a revocation sooner (the open sockets' re-check) asks with a `maxAgeMs`.
 */
export function cachedApiKeyLookup(relational: Pick<RelationalStore, 'findApiKey'>, ttlMs: number, now: () => number = Date.now): FindApiKey {
  if (ttlMs === 0) return (id) => relational.findApiKey(id);
  const cache = new Map<string, { row: Promise<ApiKeyRow | null>; fetchedAt: number }>();
  return (id, maxAgeMs = ttlMs) => {
    const at = now();
    const hit = cache.get(id);
    if (hit && at - hit.fetchedAt < Math.min(maxAgeMs, ttlMs)) return hit.row;
    cache.delete(id);
    if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
    const entry = { row: relational.findApiKey(id), fetchedAt: at };
    cache.set(id, entry);
    entry.row.catch(() => {
      if (cache.get(id) === entry) cache.delete(id);
    });
    return entry.row;
  };
}
