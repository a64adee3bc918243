/**
 * What a bridge does with each answer to an `insertTicks` batch (issue 16). The reference
 * Expert Advisor (bridge/mt5/MarketgraphBridge.mq5, `Verdict`) follows this table line for line.
 *
 * | answer                                             | action                                          |
 * |----------------------------------------------------|-------------------------------------------------|
 * | 200 with `insertTicks`                             | done: count accepted, duplicates, rejected      |
 * | 503 OVERLOADED, 429 RATE_LIMITED (or 429/503 bare) | wait Retry-After, re-send the same batch        |
 * | timeout, refused or reset connection               | re-send after exponential backoff with jitter   |
 * | STORE_UNAVAILABLE, INTERNAL_SERVER_ERROR, 408, 5xx | re-send after exponential backoff with jitter   |
 * | 401 UNAUTHENTICATED, 403 FORBIDDEN                 | stop: the key is wrong or lacks the ingest role |
 * | any other 4xx (BAD_USER_INPUT, 413, ...)           | stop: re-sending the same bytes cannot help     |
 *
 * A re-send is safe: an identical tick is counted as a duplicate, never stored twice. Ticks in
 * `rejected` are reported and never re-sent (they would be rejected again).
 */

export interface Rejection {
  index: number;
  reason: string;
}

/** One attempt at sending a batch, as the transport saw it. */
export type Outcome =
  | { kind: 'answer'; status: number; retryAfter: string | null; text: string }
  | { kind: 'timeout' }
  | { kind: 'connection'; code: string };

export type Verdict =
  | { action: 'done'; accepted: number; duplicates: number; rejected: Rejection[] }
  | { action: 'wait'; reason: string; ms: number }
  | { action: 'backoff'; reason: string }
  | { action: 'stop'; message: string };

const DEFAULT_RETRY_AFTER_MS = 1_000; // a 429 or 503 without a usable Retry-After
const MAX_RETRY_AFTER_MS = 300_000; // 5 minutes: a Retry-After of a day is a misconfigured proxy
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000; // 30 s between attempts at most, however long the outage

const WAIT_CODES = new Set(['OVERLOADED', 'RATE_LIMITED']);
const BACKOFF_CODES = new Set(['STORE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR']);

interface Body {
  data?: { insertTicks?: { accepted?: unknown; duplicates?: unknown; rejected?: unknown } } | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

export function verdict(outcome: Outcome, now = Date.now()): Verdict {
  if (outcome.kind === 'timeout') return { action: 'backoff', reason: 'timeout' };
  if (outcome.kind === 'connection') return { action: 'backoff', reason: `connection ${outcome.code}` };
  const { status } = outcome;
  const body = parseBody(outcome.text);
  const error = body?.errors?.[0];
  const code = error?.extensions?.code;
  const label = `HTTP ${status}${code ? ` ${code}` : ''}`;
  const result = body?.data?.insertTicks;
  if (status === 200 && result && !error) return done(result) ?? { action: 'stop', message: `unexpected answer: ${outcome.text.slice(0, 200)}` };
  if ((code && WAIT_CODES.has(code)) || (!code && (status === 429 || status === 503)))
    return { action: 'wait', reason: code ?? `HTTP ${status}`, ms: retryAfterMs(outcome.retryAfter, now) };
  if ((code && BACKOFF_CODES.has(code)) || status === 408 || status >= 500) return { action: 'backoff', reason: code ?? `HTTP ${status}` };
  if (status === 401 || code === 'UNAUTHENTICATED')
    return { action: 'stop', message: `the gateway refused the API key (${label}): create one with \`marketgraph keys create --role ingest\`` };
  if (status === 403 || code === 'FORBIDDEN') return { action: 'stop', message: `the API key may not insert ticks (${label}): it needs the ingest role` };
  return { action: 'stop', message: `the gateway refused the batch (${label}): ${error?.message ?? outcome.text.slice(0, 200)}` };
}

/** Exponential backoff with jitter: attempt 1 waits 250 to 500 ms, then twice as long each time, up to 15 to 30 s. */
export function backoffMs(attempt: number, random = Math.random()): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random * ceiling) / 2;
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 10.2.3), bounded. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

function parseBody(text: string): Body | null {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null ? (body as Body) : null;
  } catch {
    return null;
  }
}

function done(result: NonNullable<NonNullable<Body['data']>['insertTicks']>): Verdict | null {
  const { accepted, duplicates, rejected } = result;
  if (!Number.isInteger(accepted) || !Number.isInteger(duplicates) || !Array.isArray(rejected)) return null;
  return { action: 'done', accepted: accepted as number, duplicates: duplicates as number, rejected: rejected as Rejection[] };
}
