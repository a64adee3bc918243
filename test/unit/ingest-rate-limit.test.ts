import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createIngestRateLimit, MAX_BUCKETS } from '../../src/ingest/rate-limit.js';

/** A limiter on a clock the test moves. */
function limiter(ticksPerSecond: number, burst: number) {
  let now = 0;
  const limit = createIngestRateLimit({ ticksPerSecond, burst }, () => now);
  return { limit, advance: (ms: number) => (now += ms) };
}

/** The Retry-After of a refused batch, or 'admitted'. */
function attempt(admit: () => void): number | 'admitted' {
  try {
    admit();
    return 'admitted';
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const e = error as GraphQLError;
    expect(e.extensions.code).toBe('RATE_LIMITED');
    const headers = (e.extensions.http as { status: number; headers: Map<string, string> }).headers;
    expect((e.extensions.http as { status: number }).status).toBe(429);
    expect(headers.get('retry-after')).toBe(String(e.extensions.retryAfterSeconds));
    return e.extensions.retryAfterSeconds as number;
  }
}

describe('insertTicks rate limit', () => {
  it('admits a burst, then refuses with the whole seconds until the batch fits, then admits again', () => {
    const { limit, advance } = limiter(10, 20);
    expect(attempt(() => limit.admit('a', 20))).toBe('admitted');
    expect(attempt(() => limit.admit('a', 5))).toBe(1); // 0.5 s, rounded up
    expect(attempt(() => limit.admit('a', 15))).toBe(2); // 1.5 s
    advance(1_000);
    expect(attempt(() => limit.admit('a', 5))).toBe('admitted');
  });

  it('keeps one bucket per key', () => {
    const { limit } = limiter(10, 20);
    limit.admit('a', 20);
    expect(attempt(() => limit.admit('b', 20))).toBe('admitted');
    expect(attempt(() => limit.admit('a', 1))).toBe(1);
  });

  it('admits a batch larger than the burst from a full bucket, and makes the key wait off the debt', () => {
    const { limit, advance } = limiter(10, 20);
    expect(attempt(() => limit.admit('a', 50))).toBe('admitted');
    expect(attempt(() => limit.admit('a', 1))).toBe(4); // from -30 to 1: 3.1 s
    advance(3_100);
    expect(attempt(() => limit.admit('a', 1))).toBe('admitted');
    expect(attempt(() => limit.admit('a', 50))).toBe(2); // needs a full bucket of 20
  });

  it('never says less than one second', () => {
    const { limit, advance } = limiter(1_000_000, 10);
    limit.admit('a', 10);
    advance(0.001);
    expect(attempt(() => limit.admit('a', 10))).toBe(1);
  });

  it('holds at most MAX_BUCKETS buckets, dropping full ones first', () => {
    const { limit, advance } = limiter(10, 20);
    for (let i = 0; i < MAX_BUCKETS; i++) limit.admit(`old-${i}`, 1);
    limit.admit('busy', 20);
    advance(500); // the old buckets are full again; 'busy' is not
    for (let i = 0; i < MAX_BUCKETS / 2; i++) limit.admit(`new-${i}`, 1);
    expect(limit.size).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(attempt(() => limit.admit('busy', 10))).toBe(1); // its bucket survived the sweep
  });

  it('is a no-op when no limit is configured', () => {
    const limit = createIngestRateLimit(undefined);
    for (let i = 0; i < 100; i++) limit.admit('a', 100_000);
    expect(limit.size).toBe(0);
  });
});
