import { setTimeout as sleep } from 'node:timers/promises';
import type { TickInput } from '../stores/ticks/tick-store.js';
import { httpPost, type Post } from './http-post.js';
import { insertBody, malformed } from './insert-body.js';
import { createReport, type BridgeReport } from './report.js';
import { backoffMs, verdict, type Verdict } from './retry-table.js';

/**
 * The bridge client (issue 16): sends ticks through `insertTicks` the way a bridge should, so
 * that no tick is lost or stored twice whatever the gateway answers. Used by `demo-feed` and
 * `import`; the reference for a bridge in another language (the MQL5 Expert Advisor follows it).
 *
 * - Batches by count (`batchSize`) and by time (`flushIntervalMs` after the oldest waiting tick).
 * - At most `maxInFlight` batches are being sent at once.
 * - Each answer is handled by the retry table (retry-table.ts); a re-sent batch is the same bytes.
 * - At most `bufferTicks` ticks are held (waiting and in flight): when full, `add` returns a
 *   promise to await before adding more (back-pressure on the source; nothing is dropped).
 */
export interface BridgeOptions {
  url: string;
  apiKey?: string | null;
  batchSize?: number;
  flushIntervalMs?: number;
  maxInFlight?: number;
  bufferTicks?: number;
  requestTimeoutMs?: number;
  /** The transport; by default HTTP POSTs to `url`. */
  post?: Post;
  /** Each retry, as it is decided: for log lines. */
  onRetry?: (event: RetryEvent) => void;
  /** Each tick the gateway rejected, with the `ref` it was added with (a file's line, say). */
  onRejected?: (tick: TickInput, reason: string, ref: number | undefined) => void;
}

export interface RetryEvent {
  reason: string;
  attempt: number;
  waitMs: number;
  ticks: number;
}

export const BRIDGE_DEFAULTS = {
  batchSize: 1_000, // ticks per insertTicks call (at most MAX_TICKS_PER_INSERT, 100,000 by default)
  flushIntervalMs: 100, // a tick waits at most this long for its batch to fill
  maxInFlight: 2, // batches being sent at once
  bufferTicks: 100_000, // ticks held at most, waiting and in flight (~20 MB)
  requestTimeoutMs: 30_000, // one attempt; a 100,000-tick batch takes ~4 s to append to Kafka
} as const;

/** The gateway refused in a way no retry can fix (a wrong key, a malformed batch). */
export class BridgeStopped extends Error {}

export interface BridgeClient {
  /**
   * Queues a tick. Returns a promise when the buffer is full: await it before the next `add`
   * (adding while it is pending throws). Throws for a tick the gateway could not parse.
   */
  add(tick: TickInput, ref?: number): Promise<void> | undefined;
  /** Sends everything queued, waits for every answer, and reports; the client takes no more ticks. */
  close(): Promise<BridgeReport>;
  /** What was done so far. */
  report(): BridgeReport;
}

interface Batch {
  ticks: TickInput[];
  refs: (number | undefined)[];
}

type Phase = { kind: 'open' } | { kind: 'closing' } | { kind: 'stopped'; error: BridgeStopped };

export function createBridgeClient(options: BridgeOptions): BridgeClient {
  const batchSize = options.batchSize ?? BRIDGE_DEFAULTS.batchSize;
  const flushIntervalMs = options.flushIntervalMs ?? BRIDGE_DEFAULTS.flushIntervalMs;
  const maxInFlight = options.maxInFlight ?? BRIDGE_DEFAULTS.maxInFlight;
  const bufferTicks = options.bufferTicks ?? BRIDGE_DEFAULTS.bufferTicks;
  if (!(batchSize >= 1 && bufferTicks >= batchSize && maxInFlight >= 1)) throw new RangeError('need batchSize >= 1, bufferTicks >= batchSize and maxInFlight >= 1');
  const ownPost = options.post ? null : httpPost({ url: options.url, apiKey: options.apiKey, timeoutMs: options.requestTimeoutMs ?? BRIDGE_DEFAULTS.requestTimeoutMs, sockets: maxInFlight });
  const post = options.post ?? ownPost!;

  const report = createReport();
  let phase: Phase = { kind: 'open' };
  // Ticks waiting, cut into batches as they come: every batch but the last is full.
  const queue: Batch[] = [];
  let held = 0; // ticks waiting and in flight
  let inFlight = 0;
  let flushTimer: NodeJS.Timeout | null = null;
  let flushDue = false;
  let pausedUntil = 0; // Date.now() before which no batch is sent (a Retry-After)
  let space: { resolve(): void; reject(error: Error): void } | null = null;
  let drained: { resolve(): void; reject(error: Error): void } | null = null;

  function pump(): void {
    while (inFlight < maxInFlight && phase.kind !== 'stopped' && queue.length > 0) {
      const first = queue[0]!;
      if (first.ticks.length < batchSize && !flushDue && phase.kind === 'open') break;
      queue.shift();
      inFlight++;
      void send(first);
    }
    if (queue.length === 0) flushDue = false;
    if (queue.length > 0 && !flushTimer && !flushDue) {
      flushTimer = setTimeout(() => {
        flushTimer = null;
        flushDue = true;
        pump();
      }, flushIntervalMs);
    }
  }

  async function send(batch: Batch): Promise<void> {
    const body = insertBody(batch.ticks); // built once: a re-send is byte for byte the same
    let attempt = 0;
    try {
      for (;;) {
        const wait = pausedUntil - Date.now();
        if (wait > 0) await sleep(wait);
        if (phase.kind === 'stopped') return;
        const answer: Verdict = verdict(await post(body));
        if (answer.action === 'done') return settle(batch, answer);
        if (answer.action === 'stop') return stop(new BridgeStopped(answer.message));
        // A Retry-After holds every batch, not only this one: the others would be refused too.
        const waitMs = answer.action === 'wait' ? answer.ms : backoffMs(++attempt);
        report.retried(answer.reason);
        options.onRetry?.({ reason: answer.reason, attempt: answer.action === 'wait' ? 0 : attempt, waitMs, ticks: batch.ticks.length });
        if (answer.action === 'wait') pausedUntil = Math.max(pausedUntil, Date.now() + waitMs);
        else await sleep(waitMs);
      }
    } finally {
      inFlight--;
      pump();
      if (held === 0) drained?.resolve();
    }
  }

  function settle(batch: Batch, answer: Extract<Verdict, { action: 'done' }>): void {
    report.answered(batch.ticks.length, answer.accepted, answer.duplicates);
    for (const { index, reason } of answer.rejected) {
      report.rejected(reason);
      const tick = batch.ticks[index];
      if (tick) options.onRejected?.(tick, reason, batch.refs[index]);
    }
    held -= batch.ticks.length;
    if (space && held < bufferTicks) {
      space.resolve();
      space = null;
    }
  }

  function stop(error: BridgeStopped): void {
    if (phase.kind === 'stopped') return;
    phase = { kind: 'stopped', error };
    if (flushTimer) clearTimeout(flushTimer);
    space?.reject(error);
    drained?.reject(error);
    ownPost?.close();
  }

  return {
    add(tick, ref) {
      if (phase.kind === 'stopped') throw phase.error;
      if (phase.kind === 'closing') throw new Error('the bridge client is closed');
      if (space) throw new Error('the buffer is full: await the promise add returned before adding more');
      const problem = malformed(tick);
      if (problem) throw new TypeError(`malformed tick: ${problem}`);
      let last = queue.at(-1);
      if (!last || last.ticks.length >= batchSize) queue.push((last = { ticks: [], refs: [] }));
      last.ticks.push(tick);
      last.refs.push(ref);
      held++;
      report.added();
      if (last.ticks.length >= batchSize || !flushTimer) pump();
      if (held < bufferTicks) return undefined;
      return new Promise<void>((resolve, reject) => (space = { resolve, reject }));
    },
    async close() {
      if (phase.kind === 'stopped') throw phase.error;
      phase = { kind: 'closing' };
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      pump();
      if (held > 0) await new Promise<void>((resolve, reject) => (drained = { resolve, reject }));
      ownPost?.close();
      return report.snapshot(held);
    },
    report: () => report.snapshot(held),
  };
}
