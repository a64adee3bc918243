import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { TickListener } from '../stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { retireLateCandles } from '../candles/candle-cache.js';
import { createRecentKeys } from './recent-keys.js';
import { storedKeysLike, tickKey, tickProblem } from './validate-tick.js';

export interface RejectedTick {
  index: number;
  reason: string;
}

export interface InsertTicksResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedTick[];
}

export interface TickIngest {
  /** Starts following a durable stream's live feed. */
  start(): Promise<void>;
  insertTicks(ticks: readonly TickInput[]): Promise<InsertTicksResult>;
  /** Accepted ticks, each once, as subscribers should see them. */
  onAccepted(listener: TickListener): () => void;
  /** Resolves when every batch handed in so far has finished. */
  drain(): Promise<void>;
  stop(): void;
}

// How long a durable stream's ticks are remembered for the duplicate check before the
// sink has surely written them to the tick store (the sink writes within about 1 s).
const RECENT_WINDOW_MS = 60_000;

/**
 * The write path of insertTicks: validate, drop duplicates, then make the ticks durable and
 * visible. With the in-process stream the gateway numbers and stores the ticks itself; with
 * a durable stream (Kafka protocol) appending to the log is the acknowledgement, and the
 * sink (tick-sink.ts) writes the log to the tick store.
 *
 * Batches run one at a time per process. That is what makes the duplicate check sound: two
 * copies of one batch sent at once (a bridge retrying after a timeout) cannot both pass it.
 */
export function createTickIngest(stores: Stores, metrics: Metrics, now: () => number = Date.now): TickIngest {
  const stream = stores.stream;
  // In-process numbering: never below the stored maximum, and clock-based so that separate
  // processes writing one tick store rarely collide (seq only orders ticks of one millisecond).
  let lastSeq: number | undefined;
  // Newest stored time per symbol. A tick newer than this cannot be a duplicate of a stored
  // one, so the common case (a bridge sending ticks in time order) skips the store query.
  const newestStored = new Map<string, number>();
  // Keys of ticks appended lately, by this process or (through the live feed) any other.
  const recent = createRecentKeys(RECENT_WINDOW_MS);
  // Keys the live feed already passed to subscribers.
  const delivered = createRecentKeys(RECENT_WINDOW_MS);
  const listeners = new Set<TickListener>();
  let unsubscribe: (() => void) | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  function noteStored(ticks: readonly StoredTick[]): void {
    for (const t of ticks) {
      if (t.time > (newestStored.get(t.symbol) ?? -Infinity)) newestStored.set(t.symbol, t.time);
    }
  }

  function emit(ticks: readonly StoredTick[]): void {
    if (ticks.length > 0) for (const listener of listeners) listener(ticks);
  }

  async function loadNewest(symbols: string[]): Promise<void> {
    const unknown = symbols.filter((s) => !newestStored.has(s));
    if (unknown.length === 0) return;
    const latest = await stores.ticks.latest(unknown);
    unknown.forEach((s, i) => {
      if (!newestStored.has(s)) newestStored.set(s, latest[i]?.time ?? -Infinity);
    });
  }

  /** Keys of stored ticks that these candidates could duplicate. */
  async function storedKeys(candidates: TickInput[]): Promise<Set<string>> {
    await loadNewest([...new Set(candidates.map((t) => t.symbol))]);
    const suspects = candidates.filter((t) => t.time <= (newestStored.get(t.symbol) ?? -Infinity));
    return storedKeysLike(suspects, stores.ticks);
  }

  /**
   * The ticks are stored by now: a cache that is down must not turn that into an error
   * (the bridge would re-send). latestTick then reads the tick store instead.
   */
  async function offerToCache(ticks: StoredTick[]): Promise<void> {
    await stores.cache.offerLatest(ticks).catch(() => undefined);
  }

  /** Makes accepted ticks durable and visible; returns them numbered. */
  async function commit(accepted: TickInput[]): Promise<StoredTick[]> {
    if (stream.kind === 'durable') {
      const appended = await stream.append(accepted);
      for (const t of appended) recent.add(tickKey(t));
      await offerToCache(appended);
      return appended; // subscribers get them from the stream's live feed
    }
    lastSeq ??= await stores.ticks.maxSeq();
    let seq = Math.max(lastSeq + 1, now() * 1000);
    const numbered = accepted.map((t) => ({ ...t, seq: seq++ }));
    lastSeq = seq - 1;
    await stores.ticks.insert(numbered);
    await retireLateCandles(stores.cache, numbered, now()).catch(() => undefined);
    noteStored(numbered);
    await offerToCache(numbered);
    await stream.publish(numbered);
    return numbered;
  }

  async function run(ticks: readonly TickInput[]): Promise<InsertTicksResult> {
    const symbols = [...new Set(ticks.map((t) => t.symbol))];
    const instruments = await stores.relational.instrumentsBySymbols(symbols);
    const known = new Set(symbols.filter((_, i) => instruments[i]));
    const at = now();

    const rejected: RejectedTick[] = [];
    const valid: TickInput[] = [];
    ticks.forEach((tick, index) => {
      const reason = tickProblem(tick, known.has(tick.symbol), at);
      if (reason) rejected.push({ index, reason });
      else valid.push(tick);
    });

    const seen = await storedKeys(valid);
    const accepted: TickInput[] = [];
    for (const tick of valid) {
      const key = tickKey(tick);
      if (seen.has(key) || recent.has(key)) continue; // stored, appended lately, or earlier in this batch
      seen.add(key);
      accepted.push(tick);
    }
    if (accepted.length > 0) await commit(accepted);

    const duplicates = valid.length - accepted.length;
    metrics.ticksIngested.inc({ outcome: 'accepted' }, accepted.length);
    metrics.ticksIngested.inc({ outcome: 'duplicate' }, duplicates);
    metrics.ticksIngested.inc({ outcome: 'rejected' }, rejected.length);
    return { accepted: accepted.length, duplicates, rejected };
  }

  /**
   * The durable stream's live feed carries every process's ticks. Remembering their keys
   * lets this process count a re-sent batch as duplicates before the sink stored it, and
   * dropping keys seen before keeps a tick that two processes raced to accept from reaching
   * subscribers twice (both processes see the log in the same order, so both drop the same one).
   */
  function followDurableStream(): () => void {
    return stream.subscribe((ticks) => {
      const fresh = ticks.filter((t) => {
        const key = tickKey(t);
        recent.add(key);
        return delivered.add(key);
      });
      noteStored(fresh);
      void stores.cache.offerLatest(fresh).catch(() => undefined); // best effort: the write path already did it
      emit(fresh);
    });
  }

  return {
    async start() {
      if (stream.kind === 'durable') unsubscribe = followDurableStream();
    },
    insertTicks(ticks) {
      const result = queue.then(() => run(ticks));
      queue = result.catch(() => undefined);
      return result;
    },
    onAccepted(listener) {
      if (stream.kind === 'local') return stream.subscribe(listener);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async drain() {
      await queue;
    },
    stop() {
      unsubscribe?.();
      listeners.clear();
    },
  };
}
