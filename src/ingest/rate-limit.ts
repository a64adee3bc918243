import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Config } from '../config.js';
import { ErrorCode } from '../errors.js';

export interface IngestRateLimit {
  /** Takes `ticks` from `key`'s allowance, or throws RATE_LIMITED (HTTP 429, Retry-After) taking nothing. */
  admit(key: string, ticks: number): void;
  /** Buckets held in memory (at most MAX_BUCKETS). */
  readonly size: number;
}

// Buckets kept at most (~100 bytes each); past it, the full ones are dropped, then the least recently used.
export const MAX_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  at: number; // ms, when `tokens` was computed
}

/**
 * A token bucket per key: `burst` ticks at most, refilled at `ticksPerSecond`. A batch is admitted
 * when the bucket holds min(batch, burst) ticks, and takes the whole batch, which may leave the
 * bucket in debt: a batch larger than the burst (up to MAX_TICKS_PER_INSERT) is not refused for
 * ever, and the key's average still cannot exceed the rate. A full bucket is the same as no
 * bucket, so full ones are what is evicted; evicting another only makes its key's next batch
 * welcome, never refused.
 */
export function createIngestRateLimit(limit: Config['ingestRateLimit'], now: () => number = () => performance.now()): IngestRateLimit {
  if (!limit) return { admit() {}, size: 0 };
  const { ticksPerSecond: rate, burst } = limit;
  const buckets = new Map<string, Bucket>();

  const refill = (bucket: Bucket, at: number): number => Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * rate);

  // One sweep frees at least this many places, so that a stream of new keys (many credentials,
  // or addresses while access control is off) costs one sweep of MAX_BUCKETS per EVICT_AT_ONCE
  // batches, not one per batch: 15,000 new keys (5,000 past the bound) took 1,960 ms when each
  // swept, 47 ms now (test/unit/memory-bounds.test.ts; issue 13).
  const EVICT_AT_ONCE = MAX_BUCKETS / 100;

  function evict(at: number): void {
    for (const [key, bucket] of buckets) if (refill(bucket, at) >= burst) buckets.delete(key);
    // Map order is least recently used first (admit re-inserts the key it touches).
    for (const key of buckets.keys()) {
      if (buckets.size <= MAX_BUCKETS - EVICT_AT_ONCE) break;
      buckets.delete(key);
    }
  }

  return {
    admit(key, ticks) {
      const at = now();
      const bucket = buckets.get(key);
      const tokens = bucket ? refill(bucket, at) : burst;
      const needed = Math.min(ticks, burst);
      if (tokens < needed) throw rateLimited(Math.max(1, Math.ceil((needed - tokens) / rate)), limit);
      buckets.delete(key);
      if (buckets.size >= MAX_BUCKETS) evict(at);
      buckets.set(key, { tokens: tokens - ticks, at });
    },
    get size() {
      return buckets.size;
    },
  };
}

function rateLimited(retryAfterSeconds: number, { ticksPerSecond, burst }: NonNullable<Config['ingestRateLimit']>): GraphQLError {
  return new GraphQLError(
    `insertTicks is limited to ${ticksPerSecond} tick${ticksPerSecond === 1 ? '' : 's'} a second (bursts of ${burst}) per credential; nothing of this batch was stored. Retry in ${retryAfterSeconds} s.`,
    {
      extensions: {
        code: ErrorCode.RATE_LIMITED,
        retryAfterSeconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    },
  );
}
