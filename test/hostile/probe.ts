import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import WebSocket from 'ws';
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
export async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<HostileAnswer> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body as BodyInit });
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

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  code?: string;
  body: any;
  ms: number;
}

/**
 * One request with headers fetch will not send as given (`Host`), over node:http. `body` is sent
 * whole unless `hold` is set: then only that much of it, and the request is left open (for the
 * caller to destroy), as a slow client would.
 */
export function rawRequest(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string; hold?: number } = {},
): { answer: Promise<RawAnswer>; request: ClientRequest } {
  const target = new URL(url);
  const started = performance.now();
  const request = httpRequest({
    host: target.hostname,
    port: target.port,
    method: options.method ?? 'POST',
    path: options.path ?? target.pathname,
    headers: { 'content-type': 'application/json', ...options.headers },
  });
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: kept as text for the assertion's message
        }
        resolve({ status: res.statusCode!, headers: res.headers, code: body?.errors?.[0]?.extensions?.code, body, ms: performance.now() - started });
      });
    });
  });
  if (options.hold === undefined) request.end(options.body);
  else request.write((options.body ?? '').slice(0, options.hold));
  return { answer, request };
}

/** How a WebSocket upgrade went: opened, or refused with an HTTP status (and that answer's body). */
export type Upgrade = { socket: WebSocket; status?: undefined } | { status: number; body: string };

/** Opens a graphql-transport-ws socket with these headers (an `origin`, say). */
export function openSocket(wsUrl: string, headers: Record<string, string> = {}): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    socket.once('error', reject);
  });
}

/** The close code and reason of a socket, and the milliseconds from this call until it closed. */
export function closeOf(socket: WebSocket): Promise<{ code: number; reason: string; ms: number }> {
  const started = performance.now();
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve({ code: -1, reason: 'closed already', ms: 0 });
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString(), ms: performance.now() - started })));
}

/** Sends connection_init (with these params) and waits for connection_ack; rejects on a close. */
export function initSocket(socket: WebSocket, payload: Record<string, unknown> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      if (JSON.parse(data.toString()).type === 'connection_ack') {
        socket.off('close', onClose);
        resolve();
      }
    };
    const onClose = (code: number, reason: Buffer) => reject(new Error(`closed with ${code} ${reason}`));
    socket.once('message', onMessage);
    socket.once('close', onClose);
    socket.send(JSON.stringify({ type: 'connection_init', payload }));
  });
}

/** The gateway's WebSocket URL. */
export const wsUrlOf = (gateway: GatewayProcess): string => gateway.url.replace(/^http/, 'ws');

export const MB = 1024 * 1024;

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
