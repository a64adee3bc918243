import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { DurableTickStream, TickListener } from '../stores/stream/tick-stream.js';
import type { TickInput } from '../stores/ticks/tick-store.js';
import { createRecentKeys } from './recent-keys.js';
import { storedKeysLike, tickKey } from './tick-identity.js';
import { createBatchQueue, createNewestStored, offerToCache, type TickIngest, type TickIngestOptions } from './tick-ingest.js';

// How long, at least, a durable stream's ticks are remembered for the duplicate check before the
// sink has surely written them to the tick store (the sink writes within about 1 s).
const RECENT_WINDOW_MS = 60_000;

/**
 * The durable write path (Kafka protocol: Redpanda, Apache Kafka): appending to the log is the
 * acknowledgement. The log numbers the ticks (`seq` is the offset), the sink (tick-sink.ts,
 * started by the composition root) writes the log to the tick store, and this process's
 * subscribers are fed from the log's live feed, which carries every gateway process's ticks.
 */
export function createDurableWritePath(
  stores: Stores,
  stream: DurableTickStream,
  metrics: Metrics,
  options: TickIngestOptions,
): TickIngest {
  const newestStored = createNewestStored(stores.ticks);
  // Keys of ticks appended lately, by this process or (through the live feed) any other: the
  // sink may not have stored them yet.
  const recent = createRecentKeys(RECENT_WINDOW_MS);
  // Keys the live feed already passed to subscribers.
  const delivered = createRecentKeys(RECENT_WINDOW_MS);
  const listeners = new Set<TickListener>();
  let unsubscribe: (() => void) | undefined;

  /** The ticks that repeat none stored, none appended lately, none earlier in the batch; with their keys. */
  async function withoutRepeats(valid: readonly TickInput[]): Promise<{ accepted: TickInput[]; keys: string[] }> {
    const seen = await storedKeysLike(valid, newestStored.times, stores.ticks); // their symbols' newest are loaded
    const accepted: TickInput[] = [];
    const keys: string[] = [];
    for (const tick of valid) {
      const key = tickKey(tick);
      if (seen.has(key) || recent.has(key)) continue;
      seen.add(key);
      accepted.push(tick);
      keys.push(key);
    }
    return { accepted, keys };
  }

  const batches = createBatchQueue(stores, metrics, options, async (valid, symbols) => {
    await newestStored.load(symbols);
    const { accepted, keys } = await withoutRepeats(valid);
    if (accepted.length > 0) {
      const appended = await stream.append(accepted); // durable once this resolves
      for (const key of keys) recent.add(key);
      await offerToCache(stores, appended);
    }
    // Subscribers get the ticks from the stream's live feed.
    return { accepted: accepted.length, stored: Promise.resolve() };
  });

  /**
   * Remembering the live feed's keys lets this process count a re-sent batch as duplicates
   * before the sink stored it, and dropping keys seen before keeps a tick that two processes
   * raced to accept from reaching subscribers twice (both processes see the log in the same
   * order, so both drop the same one).
   */
  function followLiveFeed(): () => void {
    return stream.subscribe((ticks) => {
      const fresh = ticks.filter((t) => {
        const key = tickKey(t);
        recent.add(key);
        return delivered.add(key);
      });
      newestStored.note(fresh);
      void offerToCache(stores, fresh); // best effort: the write path already did it
      if (fresh.length > 0) for (const listener of listeners) listener(fresh);
    });
  }

  return {
    async start() {
      unsubscribe = followLiveFeed();
    },
    insertTicks: batches.insertTicks,
    onAccepted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    drain: batches.checked,
    stop() {
      unsubscribe?.();
      listeners.clear();
    },
  };
}
