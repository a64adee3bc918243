import type { Metrics } from '../metrics.js';
import type { Stores } from '../stores/stores.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { tickKey, tickProblem } from './validate-tick.js';

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
  /** Loads the highest stored sequence number; call once after the stores start. */
  start(): Promise<void>;
  insertTicks(ticks: readonly TickInput[]): Promise<InsertTicksResult>;
  /** Resolves when every batch handed in so far has finished. */
  drain(): Promise<void>;
}

/**
 * The write path of insertTicks: validate, drop duplicates, number, store, then make the
 * ticks visible (latest-tick cache) and publish them to subscribers.
 *
 * Batches run one at a time. That is what makes the duplicate check sound: two copies of
 * one batch sent at once (a bridge retrying after a timeout) cannot both pass the check
 * before either is stored.
 */
export function createTickIngest(stores: Stores, metrics: Metrics, now: () => number = Date.now): TickIngest {
  let nextSeq = 1;
  // Newest stored time per symbol. A tick newer than this cannot be a duplicate, so the
  // common case (a bridge sending ticks in time order) skips the duplicate query.
  const newestStored = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();

  async function knownNewest(symbols: string[]): Promise<void> {
    const unknown = symbols.filter((s) => !newestStored.has(s));
    if (unknown.length === 0) return;
    const latest = await stores.ticks.latest(unknown);
    unknown.forEach((s, i) => newestStored.set(s, latest[i]?.time ?? -Infinity));
  }

  /** Keys of the stored ticks that candidates could duplicate. */
  async function storedKeys(candidates: TickInput[]): Promise<Set<string>> {
    const suspects = candidates.filter((t) => t.time <= (newestStored.get(t.symbol) ?? -Infinity));
    if (suspects.length === 0) return new Set();
    let from = Infinity;
    let to = -Infinity;
    for (const t of suspects) (from = Math.min(from, t.time)), (to = Math.max(to, t.time));
    const symbols = [...new Set(suspects.map((t) => t.symbol))];
    const stored = await stores.ticks.ticksBetween(symbols, from, to);
    return new Set(stored.map(tickKey));
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

    await knownNewest([...new Set(valid.map((t) => t.symbol))]);
    const seen = await storedKeys(valid);
    const accepted: StoredTick[] = [];
    for (const tick of valid) {
      const key = tickKey(tick);
      if (seen.has(key)) continue; // stored before, or earlier in this batch
      seen.add(key);
      accepted.push({ ...tick, seq: nextSeq++ });
    }

    await stores.ticks.insert(accepted);
    for (const t of accepted) {
      if (t.time > (newestStored.get(t.symbol) ?? -Infinity)) newestStored.set(t.symbol, t.time);
    }
    await stores.cache.offerLatest(accepted);
    await stores.stream.publish(accepted);

    const duplicates = valid.length - accepted.length;
    metrics.ticksIngested.inc({ outcome: 'accepted' }, accepted.length);
    metrics.ticksIngested.inc({ outcome: 'duplicate' }, duplicates);
    metrics.ticksIngested.inc({ outcome: 'rejected' }, rejected.length);
    return { accepted: accepted.length, duplicates, rejected };
  }

  return {
    async start() {
      nextSeq = (await stores.ticks.maxSeq()) + 1;
    },
    insertTicks(ticks) {
      const result = queue.then(() => run(ticks));
      queue = result.catch(() => undefined);
      return result;
    },
    async drain() {
      await queue;
    },
  };
}
