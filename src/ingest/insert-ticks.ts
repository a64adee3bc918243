import { HeaderMap } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { TickListener } from '../stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { retireLateCandles } from '../candles/candle-cache.js';
import { createGroupCommit } from './group-commit.js';
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

// How long, at least, a durable stream's ticks are remembered for the duplicate check before the
// sink has surely written them to the tick store (the sink writes within about 1 s).
const RECENT_WINDOW_MS = 60_000;

export interface TickIngestOptions {
  /** Ticks handed in but not yet stored, at most; over it a batch is refused with OVERLOADED. */
  maxPendingTicks: number;
  now?: () => number;
  /** When set, each group commit of the in-process write path is a span. */
  tracer?: Tracer;
}

/**
 * The write path of insertTicks: validate, drop duplicates, then make the ticks durable and
 * visible. With the in-process stream the gateway numbers and stores the ticks itself; with
 * a durable stream (Kafka protocol) appending to the log is the acknowledgement, and the
 * sink (tick-sink.ts) writes the log to the tick store.
 *
 * Batches are checked one at a time per process. That is what makes the duplicate check sound:
 * two copies of one batch sent at once (a bridge retrying after a timeout) cannot both pass it.
 * A batch's answer waits until its ticks are durable; a batch that may repeat earlier ticks is
 * checked once every earlier batch is stored.
 */
export function createTickIngest(stores: Stores, metrics: Metrics, { maxPendingTicks, now = Date.now, tracer }: TickIngestOptions): TickIngest {
  const stream = stores.stream;
  let pendingTicks = 0;
  // In-process numbering: never below the stored maximum, and clock-based so that separate
  // processes writing one tick store rarely collide (seq only orders ticks of one millisecond).
  let lastSeq: number | undefined;
  // Newest stored time per symbol. A tick newer than this cannot be a duplicate of a stored
  // one, so the common case (a bridge sending ticks in time order) skips the store query.
  // One entry per instrument that exists: symbols of rejected ticks never get one.
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

  /**
   * The ticks are stored by now: a cache that is down must not turn that into an error
   * (the bridge would re-send). latestTick then reads the tick store instead.
   */
  async function offerToCache(ticks: StoredTick[]): Promise<void> {
    await stores.cache.offerLatest(ticks).catch(() => undefined);
  }

  /**
   * In-process stream: accepted ticks are numbered at once and stored in groups. While one
   * insert runs, the batches accepted meanwhile wait and go together in the next: the tick
   * store's cost per insert is paid once per group, not once per request.
   */
  const groups = createGroupCommit<StoredTick>(async (numbered) => {
    await stores.ticks.insert(numbered);
    await retireLateCandles(stores.cache, numbered, now()).catch(() => undefined);
    await offerToCache(numbered);
    if (stream.kind === 'local') await stream.publish(numbered);
  }, { tracer, name: 'insertTicks group commit' });
  /**
   * Makes accepted ticks durable and visible. Resolves once they are numbered, with `stored`:
   * a promise of their being durable (wrapped, because awaiting a promise of a promise would
   * wait for both). `keys` are the accepted ticks' keys, when the duplicate check made them.
   */
  async function commit(accepted: TickInput[], keys: readonly string[] | undefined): Promise<{ stored: Promise<void> }> {
    if (stream.kind === 'durable') {
      const appended = await stream.append(accepted);
      for (const key of keys ?? appended.map(tickKey)) recent.add(key);
      await offerToCache(appended);
      return { stored: Promise.resolve() }; // subscribers get them from the stream's live feed
    }
    lastSeq ??= await stores.ticks.maxSeq();
    let seq = Math.max(lastSeq + 1, now() * 1000);
    // Numbered in place: the ticks are this call's own objects (see TickIngest.insertTicks).
    const numbered = accepted as StoredTick[];
    for (const t of numbered) t.seq = seq++;
    lastSeq = seq - 1;
    noteStored(numbered); // now: a later batch must not take a copy of these for new ticks
    return { stored: groups.add(numbered) };
  }

  /**
   * With the in-process stream, the common case: every tick is newer than anything stored or
   * being stored for its symbol, and than the tick before it in the batch. None of them can be
   * a duplicate, so none needs a key or a store query.
   */
  function allNew(valid: readonly TickInput[]): boolean {
    const newest = new Map<string, number>();
    for (const t of valid) {
      const before = newest.get(t.symbol) ?? newestStored.get(t.symbol) ?? -Infinity;
      if (t.time <= before) return false;
      newest.set(t.symbol, t.time);
    }
    return true;
  }

  /** Checks and numbers a batch (one at a time); resolves with its answer and when it is durable. */
  async function accept(ticks: readonly TickInput[]): Promise<{ result: InsertTicksResult; durable: Promise<unknown> }> {
    const symbols = [...new Set(ticks.map((t) => t.symbol))];
    const known = await knownSymbols(symbols);
    const at = now();

    const rejected: RejectedTick[] = [];
    const valid: TickInput[] = [];
    ticks.forEach((tick, index) => {
      const reason = tickProblem(tick, known.has(tick.symbol), at);
      if (reason) rejected.push({ index, reason });
      else valid.push(tick);
    });

    // Only instruments that exist: a batch of 100,000 made-up symbols would otherwise leave
    // 100,000 entries here per call, for ever (issue 13). Bounded by the instrument count.
    await loadNewest(symbols.filter((s) => known.has(s)));
    let accepted: TickInput[];
    let keys: string[] | undefined;
    if (stream.kind === 'local' && allNew(valid)) {
      accepted = valid;
    } else {
      // Some tick may repeat one accepted before: let every earlier batch be stored (or fail),
      // then compare with the store, the stream's recent ticks and the batch itself.
      await groups.idle();
      const seen = await storedKeysLike(valid, newestStored, stores.ticks); // their symbols' newest are loaded
      accepted = [];
      keys = [];
      for (const tick of valid) {
        const key = tickKey(tick);
        if (seen.has(key) || recent.has(key)) continue; // stored, appended lately, or earlier in this batch
        seen.add(key);
        accepted.push(tick);
        keys.push(key);
      }
    }
    const { stored } = accepted.length > 0 ? await commit(accepted, keys) : { stored: Promise.resolve() };
    const duplicates = valid.length - accepted.length;
    const durable = stored.then(() => {
      metrics.ticksIngested.inc({ outcome: 'accepted' }, accepted.length);
      metrics.ticksIngested.inc({ outcome: 'duplicate' }, duplicates);
      metrics.ticksIngested.inc({ outcome: 'rejected' }, rejected.length);
    });
    durable.catch(() => undefined); // the caller awaits it; this only keeps it from being "unhandled" meanwhile
    return { result: { accepted: accepted.length, duplicates, rejected }, durable };
  }

  // Instruments are never deleted, so a symbol once known stays known; unknown ones are asked again.
  const knownInstruments = new Set<string>();
  async function knownSymbols(symbols: string[]): Promise<ReadonlySet<string>> {
    const unknown = symbols.filter((s) => !knownInstruments.has(s));
    if (unknown.length > 0) {
      const instruments = await stores.relational.instrumentsBySymbols(unknown);
      unknown.forEach((s, i) => instruments[i] && knownInstruments.add(s));
    }
    return knownInstruments;
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
      if (pendingTicks > 0 && pendingTicks + ticks.length > maxPendingTicks) return Promise.reject(overloaded(pendingTicks));
      pendingTicks += ticks.length;
      metrics.ingestPendingTicks.set(pendingTicks);
      // Batches are checked one at a time, in order; their inserts overlap the next checks.
      const checked = queue.then(() => accept(ticks));
      queue = checked.catch(() => undefined);
      const answered = checked.then(async ({ result, durable }) => {
        await durable;
        return result;
      });
      const release = () => {
        pendingTicks -= ticks.length;
        metrics.ingestPendingTicks.set(pendingTicks);
      };
      answered.then(release, release);
      return answered;
    },
    onAccepted(listener) {
      if (stream.kind === 'local') return stream.subscribe(listener);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async drain() {
      await queue;
      await groups.idle();
    },
    stop() {
      unsubscribe?.();
      listeners.clear();
    },
  };
}

// What a refused batch is told to wait: about the time the write path takes to store its backlog.
const OVERLOADED_RETRY_AFTER_S = 1;

function overloaded(pending: number): GraphQLError {
  return new GraphQLError(
    `The gateway is storing ${pending} ticks already and takes no more for now; nothing of this batch was stored. Retry in ${OVERLOADED_RETRY_AFTER_S} s.`,
    {
      extensions: {
        code: ErrorCode.OVERLOADED,
        retryAfterSeconds: OVERLOADED_RETRY_AFTER_S,
        http: { status: 503, headers: new HeaderMap([['retry-after', String(OVERLOADED_RETRY_AFTER_S)]]) },
      },
    },
  );
}
