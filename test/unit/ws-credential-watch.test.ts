import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedApiKeyLookup } from '../../src/auth/api-key-cache.js';
import { createCredentialWatch, keyPollMs } from '../../src/auth/ws-credential-watch.js';
import type { ApiKeyRow } from '../../src/stores/relational/relational-store.js';

const TTL_MS = 1_000;

describe('an open socket of a revoked API key', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is closed with 4403 within the key cache TTL of the revocation, however the cache and the polls line up', async () => {
    // Worst case for a cache read at poll time: the key is looked up (by an HTTP request) between
    // two polls, just before it is revoked; a poll that took any answer younger than the TTL would
    // then see the revocation up to a TTL and a poll later (1,239 ms for a lookup 10 ms in).
    for (const lookedUpAt of [10, 130, 249]) {
      vi.setSystemTime(0);
      let revokedAt: number | null = null;
      const store = { findApiKey: async (id: string) => ({ id, revokedAt }) as unknown as ApiKeyRow };
      const findKey = cachedApiKeyLookup(store, TTL_MS);
      const closes: { code: number; at: number }[] = [];
      const socket = { close: (code: number) => void closes.push({ code, at: Date.now() }), once: () => undefined };
      const watch = createCredentialWatch({
        isRevoked: async (id, maxAgeMs) => (await findKey(id, maxAgeMs))?.revokedAt !== null,
        pollMs: keyPollMs(TTL_MS),
        ttlMs: TTL_MS,
        onError: (error) => {
          throw error;
        },
      });
      watch.watch(socket, { kind: 'api-key', keyId: 'k1', name: 'screen', roles: ['read'] } as never);
      await vi.advanceTimersByTimeAsync(lookedUpAt);
      await findKey('k1'); // a request with the key fills the cache before the first poll
      const revokedAtMs = Date.now() + 1;
      await vi.advanceTimersByTimeAsync(1);
      revokedAt = revokedAtMs;
      await vi.advanceTimersByTimeAsync(3 * TTL_MS);
      watch.stop();
      expect(closes[0]?.code, `looked up ${lookedUpAt} ms into a poll interval`).toBe(4403);
      expect(closes[0]!.at - revokedAtMs, `looked up ${lookedUpAt} ms into a poll interval`).toBeLessThanOrEqual(TTL_MS);
    }
  });
});
