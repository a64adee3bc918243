import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { LocalTickStream } from '../stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { retireLateCandles } from '../candles/candle-cache.js';
import { createGroupCommit } from './group-commit.js';
import { createRecentGroups } from './recent-groups.js';
import { createStoredGaps, oldestAfterIn } from './stored-gaps.js';
import { latestOf, mergeSpans, spansOf, type SymbolSpans } from './symbol-spans.js';
import { spanOf, storedNear, suspectRanges, withoutRepeats } from './tick-identity.js';
import { createBatchQueue, createNewestStored, offerToCache, type TickIngest, type TickIngestOptions } from './tick-ingest.js';

// The last few batches of bridges interleaving one symbol (4 of 10,000 ticks each need 40,000),
// about 15 MB: the ticks are the batches' own objects, held a little longer. (500,000 grew a
// gateway's RSS by about 80 MiB more while a demo feed ran.)
const MAX_RECENT_TICKS = 100_000;
// A group of this many ticks is stored without waiting for more (INGEST_GROUP_WAIT_MS): the
// engine's fixed cost per insert is spread over enough ticks, and clients sending batches this
// large keep the engine busy with no wait.
const ENOUGH_TICKS_TO_GO = 10_000;

/** A batch's accepted ticks, numbered, and their symbols' spans: what a group commit stores. */
interface NumberedBatch {
  ticks: StoredTick[];
  spans: SymbolSpans;
}

export interface LocalWritePathOptions extends TickIngestOptions {
  /** Ticks of groups stored lately held in memory for the duplicate check, at most. */
  maxRecentTicks?: number;
  /** The least time between the starts of two inserts (INGEST_MIN_INSERT_INTERVAL_MS); default 0. */
  minInsertIntervalMs?: number;
  /** How long after an insert the next group waits for the clients it answered (INGEST_GROUP_WAIT_MS); default 0. */
  groupWaitMs?: number;
}

/**
 * The local write path (in-process stream): the gateway numbers the accepted ticks itself and
 * stores them in group commits; once a group is stored, it is published to this process's
 * subscribers. A batch's answer waits until its group is stored.
 */
export function createLocalWritePath(
  stores: Stores,
  stream: LocalTickStream,
  metrics: Metrics,
  options: LocalWritePathOptions,
): TickIngest {
  const { now = Date.now, tracer } = options;
  const newestStored = createNewestStored(stores.ticks);
  // Numbering: never below the stored maximum, and clock-based so that separate processes
  // writing one tick store rarely collide (seq only orders ticks of one millisecond).
  let lastSeq: number | undefined;

  // The groups stored lately, compared in memory; the store answers for older times.
  const recent = createRecentGroups(options.maxRecentTicks ?? MAX_RECENT_TICKS);
  // Numbered ticks handed to a group and not stored yet, with the promise of their group.
  const pending = new Map<StoredTick[], Promise<void>>();
  // Below each symbol's newest, where a history import adds ticks without a store read per batch.
  const gaps = createStoredGaps(stores.ticks, now);

  /**
   * While one insert runs, and until `minInsertIntervalMs` has passed since it started, the
   * batches accepted meanwhile wait and go together in the next: the tick store's cost per insert
   * (a part of the engine's, ten files) is paid once per group, not once per request. After an
   * insert, the next group also waits up to `groupWaitMs` for the batches of the bridges it
   * answered (they send the next at once), unless it holds ENOUGH_TICKS_TO_GO: without it, bridges
   * sending one batch at a time settle into two groups that take turns.
   */
  const groups = createGroupCommit<NumberedBatch>(async (batches) => {
    const numbered = batches.length === 1 ? batches[0]!.ticks : ([] as StoredTick[]).concat(...batches.map((b) => b.ticks)); // concat copies; flat() visits each tick
    const spans = mergeSpans(batches.map((b) => b.spans));
    await stores.ticks.insert(numbered);
    metrics.ingestInsertTicks.observe({ writer: 'group_commit' }, numbered.length);
    recent.add(numbered, spans);
    await retireLateCandles(stores.cache, spans, now()).catch(() => undefined);
    await offerToCache(stores, latestOf(spans));
    await stream.publish(numbered);
  }, {
    tracer,
    name: 'insertTicks group commit',
    sizeOf: (b) => b.ticks.length,
    minIntervalMs: options.minInsertIntervalMs,
    regroupMs: options.groupWaitMs,
    enoughItems: ENOUGH_TICKS_TO_GO,
  });

  /**
   * The ticks that repeat no tick stored, being stored, or earlier in the batch; in batch order.
   * A tick after its symbol's newest (stored or being stored) and after the batch's earlier
   * ticks of its symbol is new for certain: the common case needs no comparison at all. The
   * others are compared with the ticks being stored and with the store's, over their time range.
   * So is a tick inside its symbol's gap, below its newest (stored-gaps.ts): a history import
   * reads the store once per gap, not once per batch.
   */
  async function withoutRepeatsOf(valid: TickInput[]): Promise<{ accepted: TickInput[]; comparedWith: Promise<void>[] }> {
    const markOf = (symbol: string) => newestStored.times.get(symbol) ?? -Infinity;
    gaps.expire();
    const suspects = suspectRanges(valid, markOf, gaps.gapOf);
    if (suspects.size === 0) return { accepted: valid, comparedWith: [] };
    // Taken before the store is read: a group stored meanwhile is in one or the other.
    const comparedWith = [...pending.values()];
    const before: (readonly TickInput[])[] = [...pending.keys()];
    const { from, to } = spanOf(suspects);
    before.push(...recent.overlapping(suspects.keys(), from, to));
    // The store can hold a repeat not held here only up to the newest time it held when the
    // symbol was loaded, or of a group no longer held.
    const stored = await storedNear(stores.ticks, suspects, (symbol) => Math.max(newestStored.loaded.get(symbol) ?? -Infinity, recent.evictedHigh(symbol)));
    await gaps.learn(suspects, stored, markOf, (symbol, time) => oldestAfterIn(before, symbol, time));
    before.push(stored);
    return { accepted: withoutRepeats(valid, suspects, before), comparedWith };
  }

  /**
   * Numbers the accepted ticks in place (they are this call's own objects) and hands them to a
   * group; `stored` is wrapped, because awaiting a promise of a promise would wait for both.
   */
  async function commit(accepted: TickInput[]): Promise<{ stored: Promise<void> }> {
    lastSeq ??= await stores.ticks.maxSeq();
    let seq = Math.max(lastSeq + 1, now() * 1000);
    const numbered = accepted as StoredTick[];
    for (const t of numbered) t.seq = seq++;
    lastSeq = seq - 1;
    const spans = spansOf(numbered);
    newestStored.note(spans); // now: a later batch must not take a copy of these for new ticks
    gaps.narrowBy(numbered);
    const stored = groups.add({ ticks: numbered, spans });
    pending.set(numbered, stored);
    const done = () => void pending.delete(numbered);
    stored.then(done, done);
    return { stored };
  }

  /**
   * A batch checked against ticks still being stored is answered once they are: if their group
   * fails, so does this batch (its bridge re-sends; what was stored then counts as duplicates).
   */
  const batches = createBatchQueue(stores, metrics, options, async (valid, symbols) => {
    await newestStored.load(symbols);
    const { accepted, comparedWith } = await withoutRepeatsOf(valid);
    const own = accepted.length > 0 ? (await commit(accepted)).stored : Promise.resolve();
    return { accepted: accepted.length, stored: Promise.all([...comparedWith, own]).then(() => undefined) };
  });

  return {
    async start() {},
    insertTicks: batches.insertTicks,
    onAccepted: (listener) => stream.subscribe(listener),
    async drain() {
      await batches.checked();
      await groups.idle();
    },
    stop() {},
  };
}
