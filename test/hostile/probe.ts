import { readFileSync } from 'node:fs';
import type { GatewayProcess } from '../helpers/process-gateway.js';
import { wsClient, wsRequest } from '../helpers/ws-request.js';

/**
 * What every hostile test checks around the input it sends (issue 13): the gateway in its own
 * process answered with a coded 4xx in time, stayed alive and answering for others, did not
 * grow its memory past a stated bound, and left every store's circuit closed.
 */

/** Resident set size of a process, in bytes (Linux: /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.replace(/\D+/g, '')) * 1024;
}

export interface HostileAnswer {
  status: number;
  /** `extensions.code` of the first error, if any. */
  code?: string;
  body: any;
  ms: number;
}

/** POSTs a raw body (a string or bytes) to the gateway and times the answer. */
export async function post(url: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<HostileAnswer> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the assertion's message
  }
  return { status: res.status, code: parsed?.errors?.[0]?.extensions?.code, body: parsed, ms: performance.now() - started };
}

/** `/healthz` answers 200 within `limitMs`. */
export async function healthy(gateway: GatewayProcess, limitMs = 2_000): Promise<boolean> {
  const origin = new URL(gateway.url).origin;
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(limitMs) });
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The breaker state of every store, as `/readyz` reports it. */
export async function breakers(gateway: GatewayProcess): Promise<Record<string, string>> {
  const origin = new URL(gateway.url).origin;
  const res = await fetch(`${origin}/readyz`);
  const body = (await res.json()) as { stores: { store: string; breaker: string }[] };
  return Object.fromEntries(body.stores.map((s) => [s.store, s.breaker]));
}

/**
 * Runs `attack` while polling `/healthz` every 200 ms; returns what the attack returned, the
 * slowest health answer seen during it, and the RSS growth from before to after.
 */
export async function underAttack<T>(gateway: GatewayProcess, attack: () => Promise<T>): Promise<{ result: T; slowestHealthMs: number; rssGrowthBytes: number }> {
  const pid = gateway.child.pid!;
  const before = rssBytes(pid);
  let slowest = 0;
  let done = false;
  const origin = new URL(gateway.url).origin;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      try {
        await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(10_000) });
      } catch {
        slowest = Infinity;
      }
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    const result = await attack();
    return { result, slowestHealthMs: slowest, rssGrowthBytes: rssBytes(pid) - before };
  } finally {
    done = true;
    await poll;
  }
}

/** Embedded engines only, whatever servers the test run has: a hostile test needs no server. */
export const EMBEDDED = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };

/**
 * Sends one operation over graphql-ws on a socket of its own and times the answer: the first
 * error (`code` from its extensions), or `pending` when it runs for `timeoutMs` (a subscription
 * that was accepted). `status` is 0: a WebSocket answer has none.
 */
export async function subscribeOnce(gateway: GatewayProcess, payload: { query: string; variables?: Record<string, unknown> }, timeoutMs = 10_000): Promise<HostileAnswer & { pending?: true }> {
  const client = wsClient(gateway.url.replace(/^http/, 'ws'));
  const started = performance.now();
  try {
    const result = await wsRequest(client, payload, timeoutMs);
    const ms = performance.now() - started;
    return { status: 0, code: result.errors?.[0]?.extensions?.code as string | undefined, body: result, ms, ...(result.pending ? { pending: true as const } : {}) };
  } finally {
    await client.dispose();
  }
}
