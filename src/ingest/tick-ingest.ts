import { HeaderMap } from '@apollo/server';
import type { Tracer } from '@opentelemetry/api';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { StoredTick, TickInput, TickStore } from '../stores/ticks/tick-store.js';
import type { SymbolSpans } from './symbol-spans.js';
import { tickProblem } from './tick-rules.js';

/**
 * The port of the write path: what the insertTicks resolver and the tick hub use. Two halves
 * implement it, and the composition root (src/app.ts) picks one by the stream's kind:
 * - local-write-path.ts: the in-process stream; the gateway numbers the ticks and stores them
 *   itself, in group commits;
 * - durable-write-path.ts: a durable stream (Kafka protocol); appending to the log is the
 *   acknowledgement, the sink (tick-sink.ts) stores the log, subscribers are fed from it.
 * What both do the same way (the pending-ticks bound, one batch checked at a time, the tick
 * rules, the metrics) is `createBatchQueue` below.
 */
export interface TickIngest {
  /** Starts following a durable stream's live feed (nothing to do for the in-process one). */
  start(): Promise<void>;
  insertTicks(ticks: readonly TickInput[]): Promise<InsertTicksResult>;
  /**
   * Accepted ticks, each once, as subscribers should see them. With `wants`, a durable stream's
   * write path decodes only the ticks of symbols it wants, and says how far the stream went.
   */
  onAccepted(listener: AcceptedListener, wants?: (symbol: string) => boolean): () => void;
  /** Resolves when every batch handed in so far has finished. */
  drain(): Promise<void>;
  stop(): void;
}

/**
 * Receives accepted ticks in order per symbol; `through`, when given, is the last seq per
 * partition the stream has passed, including ticks of symbols not wanted (and not given).
 */
export type AcceptedListener = (ticks: readonly StoredTick[], through?: ReadonlyMap<number, number>) => void;

export interface RejectedTick {
  index: number;
  reason: string;
}

export interface InsertTicksResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedTick[];
}

export interface TickIngestOptions {
  /** Ticks handed in but not yet stored, at most; over it a batch is refused with OVERLOADED. */
  maxPendingTicks: number;
  now?: () => number;
  /** When set, each group commit of the in-process write path is a span. */
  tracer?: Tracer;
}

/**
 * What a write path does with a batch's valid ticks: drop the ones that repeat a tick accepted
 * before, and make the rest durable. `symbols` are the batch's symbols of instruments that exist
 * (each once). Resolves once they are numbered (or appended), with `stored`: a promise of their
 * being durable (wrapped, because awaiting a promise of a promise would wait for both).
 */
export type AcceptValid = (valid: TickInput[], symbols: string[]) => Promise<{ accepted: number; stored: Promise<void> }>;

/**
 * The front both write paths share. Batches are checked one at a time per process. That is
 * what makes the duplicate check sound: two copies of one batch sent at once (a bridge retrying
 * after a timeout) cannot both pass it. A batch's answer waits until its ticks are durable.
 */
export function createBatchQueue(
  stores: Pick<Stores, 'relational'>,
  metrics: Metrics,
  { maxPendingTicks, now = Date.now }: TickIngestOptions,
  acceptValid: AcceptValid,
) {
  let pendingTicks = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const knownSymbols = createKnownSymbols(stores);

  /** Checks a batch (one at a time); resolves with its answer and when it is durable. */
  async function accept(ticks: readonly TickInput[]): Promise<{ result: InsertTicksResult; durable: Promise<unknown> }> {
    const symbols = symbolsOf(ticks);
    const known = await knownSymbols(symbols);
    const at = now();
    const rejected: RejectedTick[] = [];
    const valid: TickInput[] = [];
    let symbol: string | undefined;
    let isKnown = false;
    for (let index = 0; index < ticks.length; index++) {
      const tick = ticks[index]!;
      if (tick.symbol !== symbol) (symbol = tick.symbol), (isKnown = known.has(symbol)); // once a run of one symbol
      const reason = tickProblem(tick, isKnown, at);
      if (reason) rejected.push({ index, reason });
      else valid.push(tick);
    }
    const { accepted, stored } = await acceptValid(valid, symbols.filter((s) => known.has(s)));
    const duplicates = valid.length - accepted;
    const durable = stored.then(() => {
      metrics.ticksIngested.inc({ outcome: 'accepted' }, accepted);
      metrics.ticksIngested.inc({ outcome: 'duplicate' }, duplicates);
      metrics.ticksIngested.inc({ outcome: 'rejected' }, rejected.length);
    });
    durable.catch(() => undefined); // the caller awaits it; this only keeps it from being "unhandled" meanwhile
    return { result: { accepted, duplicates, rejected }, durable };
  }

  return {
    insertTicks(ticks: readonly TickInput[]): Promise<InsertTicksResult> {
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
    /** Resolves once every batch handed in so far is checked. */
    async checked(): Promise<void> {
      await queue;
    },
  };
}

/** The batch's symbols, each once (looked up once a run of one symbol). */
function symbolsOf(ticks: readonly TickInput[]): string[] {
  const symbols = new Set<string>();
  let last: string | undefined;
  for (const t of ticks) if (t.symbol !== last) symbols.add((last = t.symbol));
  return [...symbols];
}

/** Instruments are never deleted, so a symbol once known stays known; unknown ones are asked again. */
function createKnownSymbols(stores: Pick<Stores, 'relational'>) {
  const known = new Set<string>();
  return async (symbols: string[]): Promise<ReadonlySet<string>> => {
    const unknown = symbols.filter((s) => !known.has(s));
    if (unknown.length > 0) {
      const instruments = await stores.relational.instrumentsBySymbols(unknown);
      unknown.forEach((s, i) => instruments[i] && known.add(s));
    }
    return known;
  };
}

/**
 * Newest stored time per symbol. A tick newer than this cannot be a duplicate of a stored one,
 * so the common case (a bridge sending ticks in time order) skips the store query. Loaded only
 * for instruments that exist: a batch of 100,000 made-up symbols would otherwise leave 100,000
 * entries here per call, for ever (issue 13). Bounded by the instrument count.
 */
export function createNewestStored(ticks: Pick<TickStore, 'latest'>) {
  const newest = new Map<string, number>();
  const loaded = new Map<string, number>();
  const raise = (symbol: string, time: number) => {
    if (time > (newest.get(symbol) ?? -Infinity)) newest.set(symbol, time);
  };
  return {
    times: newest as ReadonlyMap<string, number>,
    /** The newest time the store held when each symbol was loaded (no `note` since). */
    loaded: loaded as ReadonlyMap<string, number>,
    async load(symbols: readonly string[]): Promise<void> {
      const unknown = symbols.filter((s) => !newest.has(s));
      if (unknown.length === 0) return;
      const latest = await ticks.latest(unknown);
      unknown.forEach((s, i) => {
        if (newest.has(s)) return;
        newest.set(s, latest[i]?.time ?? -Infinity);
        loaded.set(s, latest[i]?.time ?? -Infinity);
      });
    },
    /** Ticks accepted, by their symbols' spans (symbol-spans.ts). */
    note(accepted: SymbolSpans): void {
      for (const [symbol, span] of accepted) raise(symbol, span.newest);
    },
    /** `time` is stored for `symbol` (a run's newest, read from its header: no pass over its ticks). */
    raise,
  };
}

/**
 * The ticks are stored by now: a cache that is down must not turn that into an error
 * (the bridge would re-send). latestTick then reads the tick store instead.
 */
export async function offerToCache(stores: Pick<Stores, 'cache'>, ticks: readonly StoredTick[]): Promise<void> {
  await stores.cache.offerLatest(ticks).catch(() => undefined);
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
