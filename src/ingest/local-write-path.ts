import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { LocalTickStream } from '../stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { retireLateCandles } from '../candles/candle-cache.js';
import { createGroupCommit } from './group-commit.js';
import { storedKeysLike, tickKey } from './tick-identity.js';
import { createBatchQueue, createNewestStored, offerToCache, type TickIngest, type TickIngestOptions } from './tick-ingest.js';

/**
 * The local write path (in-process stream): the gateway numbers the accepted ticks itself and
 * stores them in group commits; once a group is stored, it is published to this process's
 * subscribers. A batch's answer waits until its group is stored.
 */
export function createLocalWritePath(
  stores: Stores,
  stream: LocalTickStream,
  metrics: Metrics,
  options: TickIngestOptions,
): TickIngest {
  const { now = Date.now, tracer } = options;
  const newestStored = createNewestStored(stores.ticks);
  // Numbering: never below the stored maximum, and clock-based so that separate processes
  // writing one tick store rarely collide (seq only orders ticks of one millisecond).
  let lastSeq: number | undefined;

  /**
   * While one insert runs, the batches accepted meanwhile wait and go together in the next:
   * the tick store's cost per insert is paid once per group, not once per request.
   */
  const groups = createGroupCommit<StoredTick>(async (numbered) => {
    await stores.ticks.insert(numbered);
    await retireLateCandles(stores.cache, numbered, now()).catch(() => undefined);
    await offerToCache(stores, numbered);
    await stream.publish(numbered);
  }, { tracer, name: 'insertTicks group commit' });

  /**
   * The common case: every tick is newer than anything stored or being stored for its symbol,
   * and than the tick before it in the batch. None of them can be a duplicate, so none needs a
   * key or a store query.
   */
  function allNew(valid: readonly TickInput[]): boolean {
    const newest = new Map<string, number>();
    for (const t of valid) {
      const before = newest.get(t.symbol) ?? newestStored.times.get(t.symbol) ?? -Infinity;
      if (t.time <= before) return false;
      newest.set(t.symbol, t.time);
    }
    return true;
  }

  /** Some tick may repeat one accepted before: the ones that do not, once every earlier batch is stored. */
  async function withoutRepeats(valid: readonly TickInput[]): Promise<TickInput[]> {
    // Let every earlier batch be stored (or fail), then compare with the store and the batch itself.
    await groups.idle();
    const seen = await storedKeysLike(valid, newestStored.times, stores.ticks); // their symbols' newest are loaded
    return valid.filter((tick) => {
      const key = tickKey(tick);
      if (seen.has(key)) return false; // stored, or earlier in this batch
      seen.add(key);
      return true;
    });
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
    newestStored.note(numbered); // now: a later batch must not take a copy of these for new ticks
    return { stored: groups.add(numbered) };
  }

  const batches = createBatchQueue(stores, metrics, options, async (valid, symbols) => {
    await newestStored.load(symbols);
    const accepted = allNew(valid) ? valid : await withoutRepeats(valid);
    const { stored } = accepted.length > 0 ? await commit(accepted) : { stored: Promise.resolve() };
    return { accepted: accepted.length, stored };
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
