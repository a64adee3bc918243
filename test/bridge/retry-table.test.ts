import { describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs, verdict, type Outcome } from '../../src/bridge/retry-table.js';

const answer = (status: number, body: unknown, retryAfter: string | null = null): Outcome => ({ kind: 'answer', status, retryAfter, text: JSON.stringify(body) });
const failed = (code: string, status = 200, retryAfter: string | null = null) => answer(status, { data: null, errors: [{ message: `failed: ${code}`, extensions: { code } }] }, retryAfter);

describe('the retry table', () => {
  it('counts a 200 with insertTicks as done, rejected ticks included', () => {
    const result = { accepted: 2, duplicates: 1, rejected: [{ index: 3, reason: 'bid 2 is greater than ask 1' }] };
    expect(verdict(answer(200, { data: { insertTicks: result } }))).toEqual({ action: 'done', ...result });
  });

  it('waits Retry-After on 503 OVERLOADED and 429 RATE_LIMITED, and on a bare 429 or 503 from a proxy', () => {
    expect(verdict(failed('OVERLOADED', 503, '1'))).toEqual({ action: 'wait', reason: 'OVERLOADED', ms: 1000 });
    expect(verdict(failed('RATE_LIMITED', 429, '7'))).toEqual({ action: 'wait', reason: 'RATE_LIMITED', ms: 7000 });
    expect(verdict({ kind: 'answer', status: 503, retryAfter: null, text: '<html>busy</html>' })).toEqual({ action: 'wait', reason: 'HTTP 503', ms: 1000 });
  });

  it('backs off on a timeout, a connection error, STORE_UNAVAILABLE, an internal error and any other 5xx', () => {
    expect(verdict({ kind: 'timeout' })).toEqual({ action: 'backoff', reason: 'timeout' });
    expect(verdict({ kind: 'connection', code: 'ECONNRESET' })).toEqual({ action: 'backoff', reason: 'connection ECONNRESET' });
    expect(verdict(failed('STORE_UNAVAILABLE'))).toEqual({ action: 'backoff', reason: 'STORE_UNAVAILABLE' });
    expect(verdict(failed('INTERNAL_SERVER_ERROR'))).toEqual({ action: 'backoff', reason: 'INTERNAL_SERVER_ERROR' });
    expect(verdict({ kind: 'answer', status: 502, retryAfter: null, text: 'Bad Gateway' })).toEqual({ action: 'backoff', reason: 'HTTP 502' });
  });

  it('stops on 401 and 403 with a message naming the fix, and on any other 4xx', () => {
    expect(verdict(failed('UNAUTHENTICATED', 401))).toMatchObject({ action: 'stop', message: expect.stringMatching(/refused the API key \(HTTP 401 UNAUTHENTICATED\).*keys create --role ingest/) });
    expect(verdict(failed('FORBIDDEN', 403))).toMatchObject({ action: 'stop', message: expect.stringMatching(/needs the ingest role/) });
    expect(verdict(failed('BAD_USER_INPUT', 400))).toMatchObject({ action: 'stop', message: expect.stringMatching(/refused the batch \(HTTP 400 BAD_USER_INPUT\): failed: BAD_USER_INPUT/) });
    expect(verdict(failed('PAYLOAD_TOO_LARGE', 413))).toMatchObject({ action: 'stop' });
  });

  it('reads Retry-After as seconds or an HTTP date, bounded to 5 minutes', () => {
    const now = Date.parse('2026-11-27T10:00:00Z');
    expect(retryAfterMs('Fri, 27 Nov 2026 10:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('86400', now)).toBe(300_000);
    expect(retryAfterMs('soon', now)).toBe(1000);
  });

  it('doubles the backoff ceiling each attempt up to 30 s, waiting between half of it and all of it', () => {
    expect([1, 2, 3, 10].map((a) => backoffMs(a, 0))).toEqual([250, 500, 1000, 15_000]);
    expect([1, 2, 3, 10].map((a) => backoffMs(a, 1))).toEqual([500, 1000, 2000, 30_000]);
  });
});
