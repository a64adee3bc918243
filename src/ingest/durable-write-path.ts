import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { DurableTickStream, TickRun } from '../stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { createRecentRuns } from './recent-runs.js';
import { createStoredGaps, oldestAfterIn } from './stored-gaps.js';
import { storedNear, suspectRanges, withoutRepeats, type EarlierTicks, type TimeRange } from './tick-identity.js';
import { sinkReached } from './tick-sink.js';
import { reportUnreadable } from './unreadable-records.js';
import { createBatchQueue, createNewestStored, offerToCache, type AcceptedListener, type TickIngest, type TickIngestOptions } from './tick-ingest.js';

export interface DurableWritePathOptions extends TickIngestOptions {
  /** The sink's consumer group: runs it has committed are in the tick store. */
  sinkGroup: string;
  /** Ticks of recent runs held in memory for the duplicate check, at most. */
  maxRecentTicks?: number;
  /** Where the live feed says it passed over a record it could not read. */
  logger?: Logger;
}

// About 2 s of the target rate (250,000 ticks/s); at about 100 bytes a tick, 50 MB.
const MAX_RECENT_TICKS = 500_000;
// How often the sink's position is asked for while runs are held.
const SINK_POLL_MS = 500;
// How long a suspect tick waits for the sink to store an evicted run it may repeat.
const SINK_WAIT_MS = 10_000;

/**
 * The durable write path (Kafka protocol: Redpanda, Apache Kafka): appending to the log is the
 * acknowledgement. The log numbers the ticks (tick-records.ts), the sink (tick-sink.ts, started
 * by the composition root) writes the log to the tick store, and this process's subscribers
 * are fed from the log's live feed, which carries every gateway process's ticks.
 *
 * The duplicate check keeps no per-tick state. Each symbol has a high-water mark: the newest
 * time stored, appended by this process or seen on the live feed. A tick after it (and after
 * the batch's earlier ticks of its symbol) cannot repeat anything: a bridge sending in time
 * order never pays more. Only ticks at or before it ("suspects") are compared, by content,
 * with the tick store and with the runs appended lately that the sink may not have stored yet.
 */
export function createDurableWritePath(
  stores: Stores,
  stream: DurableTickStream,
  metrics: Metrics,
  options: DurableWritePathOptions,
): TickIngest {
  const newestStored = createNewestStored(stores.ticks);
  const recent = createRecentRuns(options.maxRecentTicks ?? MAX_RECENT_TICKS);
  const highWater = new Map<string, number>(); // newest time appended or seen on the live feed
  const deliveredHigh = new Map<string, number>(); // newest time the live feed has passed on
  const listeners = new Map<AcceptedListener, ((symbol: string) => boolean) | undefined>();
  const inFlight = new Map<TickInput[], Promise<void>>(); // batches' accepted ticks being appended
  // Below each symbol's mark, where a history import appends without a store read per batch.
  const gaps = createStoredGaps(stores.ticks, options.now);
  let unfollow: (() => void) | undefined;
  let forgetTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const markOf = (symbol: string) => Math.max(highWater.get(symbol) ?? -Infinity, newestStored.times.get(symbol) ?? -Infinity);
  const raise = (marks: Map<string, number>, run: TickRun) => {
    if (run.maxTime > (marks.get(run.symbol) ?? -Infinity)) marks.set(run.symbol, run.maxTime);
  };

  /** Holds a run for the duplicate check, and asks the sink's position until it is stored. */
  function hold(run: TickRun): void {
    recent.add(run);
    raise(highWater, run);
    gaps.narrow(run.symbol, run.minTime, run.maxTime);
    forgetTimer ??= setTimeout(forgetStored, SINK_POLL_MS).unref();
  }

  async function forgetStored(): Promise<void> {
    try {
      recent.forget(await stream.positions(options.sinkGroup));
    } catch {
      // The broker is unreachable: the runs stay held (and bounded) until it answers.
    }
    forgetTimer = !stopped && !recent.empty ? setTimeout(forgetStored, SINK_POLL_MS).unref() : undefined;
  }

  /** The ticks that repeat no tick stored, appended (or being appended) lately, or earlier in the batch; in batch order. */
  async function withoutRepeatsOf(valid: TickInput[]): Promise<{ accepted: TickInput[]; comparedWith: Promise<void>[] }> {
    gaps.expire();
    const suspects = suspectRanges(valid, markOf, gaps.gapOf);
    if (suspects.size === 0) return { accepted: valid, comparedWith: [] };
    const comparedWith = [...inFlight.values()];
    return { accepted: withoutRepeats(valid, suspects, await heldOrStoredNear(suspects)), comparedWith };
  }

  /** The ticks being appended, held (as runs) or stored that may meet `suspects`' ranges. */
  async function heldOrStoredNear(suspects: ReadonlyMap<string, TimeRange>): Promise<EarlierTicks[]> {
    const inFlightTicks = [...inFlight.keys()];
    const lists: EarlierTicks[] = [...inFlightTicks];
    for (const [symbol, range] of suspects) {
      const evicted = recent.unstoredBefore(symbol, range.from);
      if (evicted) await evictedStored(evicted.partition, evicted.lastSeq);
      lists.push(...recent.overlapping(symbol, range.from, range.to));
    }
    // The store can hold a repeat only up to the newest time stored.
    const stored = await storedNear(stores.ticks, suspects, (symbol) => Math.max(newestStored.times.get(symbol) ?? -Infinity, recent.storedThrough(symbol)));
    // Runs evicted unstored are stored by now wherever a range reaches them (waited for above).
    await gaps.learn(suspects, stored, markOf, (symbol, time) => Math.min(oldestAfterIn(inFlightTicks, symbol, time), heldAfter(symbol, time)));
    lists.push(stored);
    return lists;
  }

  /** The oldest time a held run of `symbol` may have a tick at, after `time` (Infinity: none). */
  function heldAfter(symbol: string, time: number): number {
    let oldest = Infinity;
    for (const run of recent.overlapping(symbol, time + 1, Infinity)) oldest = Math.min(oldest, run.minTime);
    return oldest;
  }

  /** Waits until the sink has stored a partition up to `seq` (the runs it had to evict). */
  async function evictedStored(partition: number, seq: number): Promise<void> {
    const stored = await sinkReached(stream, options.sinkGroup, new Map([[partition, seq]]), { timeoutMs: SINK_WAIT_MS, pollMs: SINK_POLL_MS / 5 });
    if (!stored) throw sinkBehind();
    recent.forget(stored);
  }

  /**
   * Appends without holding up the next batch's check: the appends in flight share the
   * stream's sends, and their ticks count for the duplicate check (`inFlight`) until they are
   * held as runs.
   */
  function append(accepted: TickInput[]): Promise<void> {
    for (const t of accepted) if (t.time > (highWater.get(t.symbol) ?? -Infinity)) highWater.set(t.symbol, t.time);
    gaps.narrowBy(accepted);
    const appended = stream.append(accepted).then(async (runs) => {
      for (const run of runs) hold(run);
      inFlight.delete(accepted);
      await offerToCache(stores, runs.map((run) => run.newest()));
    });
    appended.catch(() => inFlight.delete(accepted));
    inFlight.set(accepted, appended);
    return appended;
  }

  /**
   * Durable once `stored` resolves; subscribers get the ticks from the stream's live feed. A
   * batch compared with appends in flight is answered once they succeeded: if one fails, so
   * does this batch (its bridge re-sends; what was stored then counts as duplicates).
   */
  const batches = createBatchQueue(stores, metrics, options, async (valid, symbols) => {
    await newestStored.load(symbols);
    const { accepted, comparedWith } = await withoutRepeatsOf(valid);
    const own = accepted.length > 0 ? append(accepted) : Promise.resolve();
    return { accepted: accepted.length, stored: Promise.all([...comparedWith, own]).then(() => undefined) };
  });

  const wanted = (symbol: string) => {
    for (const wants of listeners.values()) if (!wants || wants(symbol)) return true;
    return false;
  };

  /**
   * Ticks to pass on from a run of the live feed. Two processes may accept one tick in the
   * moment before either's feed carries the other's copy; both copies are then in the log, and
   * the later one is dropped here (every process sees the log in the same order, so all drop
   * the same copy). Only a run that does not follow its symbol's delivered ticks in time needs
   * the comparison, with the runs before it in the log.
   */
  function toDeliver(run: TickRun): readonly StoredTick[] {
    const ticks = run.ticks();
    if (run.minTime > (deliveredHigh.get(run.symbol) ?? -Infinity)) return ticks;
    const earlier = recent.overlapping(run.symbol, run.minTime, run.maxTime).filter((o) => o.partition === run.partition && o.firstSeq < run.firstSeq);
    if (earlier.length === 0) return ticks;
    const range = new Map([[run.symbol, { from: run.minTime, to: run.maxTime }]]);
    return withoutRepeats(ticks, range, earlier);
  }

  /**
   * Holding the live feed's runs lets this process count a re-sent batch as duplicates before
   * the sink stored it. Ticks are decoded only for symbols someone listens to.
   */
  function followLiveFeed(): () => void {
    const unreadable = options.logger ? reportUnreadable('live_feed', options.logger, metrics) : undefined;
    return stream.follow((runs) => {
      const through = new Map<number, number>();
      const ticks: StoredTick[] = [];
      const newest: StoredTick[] = [];
      for (const run of runs) {
        if (wanted(run.symbol)) ticks.push(...toDeliver(run));
        raise(deliveredHigh, run);
        hold(run);
        through.set(run.partition, run.firstSeq + run.count - 1);
        newest.push(run.newest());
      }
      void offerToCache(stores, newest); // best effort: the write path already did it for its own
      for (const listener of listeners.keys()) listener(ticks, through);
    }, unreadable);
  }

  return {
    async start() {
      unfollow = followLiveFeed();
    },
    insertTicks: batches.insertTicks,
    onAccepted(listener, wants) {
      listeners.set(listener, wants);
      return () => listeners.delete(listener);
    },
    async drain() {
      await batches.checked();
      await Promise.allSettled(inFlight.values());
    },
    stop() {
      stopped = true;
      unfollow?.();
      clearTimeout(forgetTimer);
      listeners.clear();
    },
  };
}

function sinkBehind(): GraphQLError {
  return new GraphQLError(
    'The tick store is behind the stream: ticks out of time order cannot be checked for duplicates yet; nothing of this batch was stored. Retry later.',
    { extensions: { code: ErrorCode.STORE_UNAVAILABLE, store: 'ticks' } },
  );
}
