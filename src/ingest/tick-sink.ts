import { SpanKind, type Tracer } from '@opentelemetry/api';
import { atMostEvery, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { inSpan } from '../telemetry/spans.js';
import type { Stores } from '../stores/stores.js';
import type { DurableTickStream, TickRun } from '../stores/stream/tick-stream.js';
import type { StoredTick } from '../stores/ticks/tick-store.js';
import { retireLateCandles } from '../candles/candle-cache.js';
import { spansOf } from './symbol-spans.js';
import { createSinkMemory, type SinkMemory } from './sink-memory.js';
import { reportUnreadable } from './unreadable-records.js';
import { storedNear, suspectRanges, withoutRepeats, type EarlierTicks } from './tick-identity.js';

/**
 * Writes a durable stream to the tick store: each gateway process is a member of one
 * consumer group, so the partitions are shared out and every tick is written by one of them.
 *
 * Idempotent by content: before inserting a batch, the stored ticks it could repeat are
 * compared with it and identical ones dropped. A batch that comes again after a crash between
 * insert and offset commit is therefore stored once, however the new batch is cut.
 * The broker holds each fetch until enough bytes or time have gathered, so ClickHouse gets
 * few large inserts rather than many small ones.
 */
export async function startTickSink(
  stream: DurableTickStream,
  stores: Stores,
  group: string,
  logger: Logger,
  { tracer, metrics }: { tracer?: Tracer; metrics?: Metrics } = {},
): Promise<void> {
  let memory = createSinkMemory(stores.ticks);
  const failed = atMostEvery(FAILURE_LOG_EVERY_MS);
  const store = async (runs: TickRun[]) => {
    // The memory the batch was checked with: one taken meanwhile (a new deal) learns from the store.
    const checkedWith = memory;
    let written: Written;
    try {
      written = await write(stores, checkedWith, runs);
    } catch (error) {
      memory = createSinkMemory(stores.ticks); // the insert may have been applied: the store answers
      // Not committed: the stream hands the batch again (the tick store down, say, until it is back).
      failed((since) => logger.warn({ err: error, failedSinceLastLog: since }, 'tick sink: a batch could not be stored; it comes again'));
      throw error;
    }
    checkedWith.stored(runs);
    if (written.stored > 0) metrics?.ingestInsertTicks.observe({ writer: 'sink' }, written.stored);
    await retireLateCandles(stores.cache, written.oldest, Date.now()).catch(() => undefined);
    if (written.stored < written.received) logger.info({ received: written.received, stored: written.stored }, 'sink dropped ticks already stored');
  };
  const handler = tracer ? (runs: TickRun[]) => inSpan(tracer, 'tick sink batch', sinkSpan(group, runs.length), () => store(runs)) : store;
  await stream.consume(group, handler, {
    dealt: () => {
      // Partitions dealt again: another member may have stored ticks of this one's symbols,
      // and the partitions whose lag this process reported may be another's now.
      memory = createSinkMemory(stores.ticks);
      metrics?.sinkLagRecords.reset();
    },
    unreadable: reportUnreadable('sink', logger, metrics),
    behind: (partition, records) => metrics?.sinkLagRecords.set({ partition: String(partition) }, records),
  });
}

// A batch that fails is handed again at once and again: said at most this often.
const FAILURE_LOG_EVERY_MS = 10_000;

/**
 * Waits until `group` has committed each partition of `upto` up to its position (the last seq
 * to be stored there), asking every `pollMs`. Resolves with the committed positions, or
 * undefined when `timeoutMs` passes first.
 */
export async function sinkReached(
  stream: Pick<DurableTickStream, 'positions'>,
  group: string,
  upto: ReadonlyMap<number, number>,
  { timeoutMs, pollMs }: { timeoutMs: number; pollMs: number },
): Promise<Map<number, number> | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await stream.positions(group);
    if ([...upto].every(([p, seq]) => (stored.get(p) ?? -1) >= seq)) return stored;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

// Each batch starts a trace of its own: the appends it carries belong to other requests' traces.
function sinkSpan(group: string, count: number) {
  return {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': group,
      'messaging.batch.message_count': count,
    },
  };
}

/** What a batch's write did: the ticks received and stored, and each symbol's oldest stored. */
interface Written {
  received: number;
  stored: number;
  oldest: ReadonlyMap<string, { readonly oldest: number }>;
}

/**
 * Stores the runs' ticks not stored yet. A tick after its symbol's newest stored time and the
 * batch's earlier ticks of its symbol is new: a batch of such ticks only (bridges sending in time
 * order, the common case) asks the store nothing and goes in whole. Records of format 3 are
 * checked on their times alone and their rows go to the store as they are, with no tick decoded;
 * records of other formats are checked once decoded. Any other batch is compared (dropStored).
 */
async function write(stores: Stores, memory: SinkMemory, runs: readonly TickRun[]): Promise<Written> {
  const symbols = [...new Set(runs.map((run) => run.symbol))];
  await memory.load(symbols);
  const asRows = runs.every((run) => run.rowBinary);
  if (asRows && inOrderAfter(runs, memory.newestOf)) {
    await stores.ticks.insertRowBinary(runs.map((run) => run.rowBinary!));
    const count = runs.reduce((n, run) => n + run.count, 0);
    return { received: count, stored: count, oldest: oldestOf(runs) };
  }
  const ticks: StoredTick[] = [];
  for (const run of runs) for (const tick of run.ticks()) ticks.push(tick);
  // Format-3 runs failed the same check on their times just now.
  const inOrder = !asRows && suspectRanges(ticks, memory.newestOf).size === 0;
  const fresh = inOrder ? ticks : await dropStored(stores, memory, symbols, runs, ticks);
  await stores.ticks.insert(fresh);
  return { received: ticks.length, stored: fresh.length, oldest: spansOf(fresh) };
}

/** Whether each tick is after its symbol's `newestOf` and the runs' earlier ticks of its symbol (suspectRanges finds none). */
function inOrderAfter(runs: readonly TickRun[], newestOf: (symbol: string) => number): boolean {
  const newest = new Map<string, number>();
  for (const run of runs) {
    let mark = newest.get(run.symbol) ?? newestOf(run.symbol);
    if (run.minTime <= mark) return false;
    for (const time of run.times()) {
      if (time <= mark) return false;
      mark = time;
    }
    newest.set(run.symbol, mark);
  }
  return true;
}

/** Each symbol's oldest time in the runs (their headers'). */
function oldestOf(runs: readonly TickRun[]): Map<string, { oldest: number }> {
  const oldest = new Map<string, { oldest: number }>();
  for (const run of runs) {
    const span = oldest.get(run.symbol);
    if (!span) oldest.set(run.symbol, { oldest: run.minTime });
    else span.oldest = Math.min(span.oldest, run.minTime);
  }
  return oldest;
}

/**
 * The runs' ticks (`ticks`, in run order) that are not stored yet, for a batch with ticks at or
 * before their symbol's newest stored time (in memory) or an earlier tick of the batch.
 */
async function dropStored(stores: Stores, memory: SinkMemory, symbols: readonly string[], runs: readonly TickRun[], ticks: StoredTick[]): Promise<StoredTick[]> {
  // Each symbol's newest stored time between the batch's oldest and newest tick is one small
  // aggregate, and only the ticks at or before it are compared with the stored ticks of their
  // time range: those held in memory and, up to where memory does not know them, those read
  // back with one query. A history import (ticks older than the stored ones, in a range
  // nothing is stored in) has no such time, so its ticks are new too. The runs' headers give
  // the range without a pass over the ticks.
  let from = Infinity;
  let to = -Infinity;
  for (const run of runs) (from = Math.min(from, run.minTime)), (to = Math.max(to, run.maxTime));
  const newest = await stores.ticks.newestBetween(symbols, from, to);
  const newestOf = (symbol: string) => newest.get(symbol) ?? -Infinity;
  const suspects = suspectRanges(ticks, newestOf);
  if (suspects.size === 0) return ticks;
  const before: EarlierTicks[] = memory.overlapping(suspects);
  before.push(await storedNear(stores.ticks, suspects, (symbol) => Math.min(newestOf(symbol), memory.notHeldThrough(symbol))));
  return withoutRepeats(ticks, suspects, before);
}
