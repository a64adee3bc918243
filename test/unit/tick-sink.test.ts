import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTickSink } from '../../src/ingest/tick-sink.js';
import { runOf, toRecords } from '../../src/stores/stream/tick-records.js';
import { pino } from 'pino';
import { createMetrics } from '../../src/metrics.js';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import type { Stores } from '../../src/stores/stores.js';
import type { ConsumeEvents, DurableTickStream, TickRun } from '../../src/stores/stream/tick-stream.js';
import { createChdbTickStore } from '../../src/stores/ticks/chdb-tick-store.js';
import type { StoredTick, TickStore } from '../../src/stores/ticks/tick-store.js';
import { startMigrated } from '../helpers/migrate.js';

/**
 * The sink's idempotence against a real tick store (chDB). The stream side is a stand-in that
 * hands the sink batches the way a consumer group can after a crash: again, and cut differently.
 * (The Kafka adapter's own redelivery is covered by test/e2e/server-ingest.test.ts.)
 */
describe('tick sink', () => {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-sink-'));
  let ticks: TickStore;
  let handleRuns: (runs: TickRun[]) => Promise<void>;
  let dealAgain: () => void;
  let behind: (partition: number, records: number) => void;
  // The store's reads back of stored ticks, and an insert that is applied and then fails.
  let readsBack = 0;
  let newestAsked = 0;
  let failNextInsert = false;
  let duringInsert: (() => void) | undefined;
  const metrics = createMetrics();
  const logged: { level: number; msg: string; err?: { message: string } }[] = [];
  // Each tick as a run of its own: the sink is handed runs, as the stream reads them.
  const handle = (batch: StoredTick[]) =>
    handleRuns(batch.map((t) => ({ symbol: t.symbol, partition: 0, firstSeq: t.seq, count: 1, minTime: t.time, maxTime: t.time, ticks: () => [t], times: () => Float64Array.of(t.time), newest: () => t })));
  const t0 = Date.UTC(2026, 0, 5, 9, 0, 0);
  const tick = (symbol: string, i: number, bid = 1 + i / 1000): StoredTick => ({
    symbol, time: t0 + i * 10, bid, ask: bid + 0.0002, last: null, volume: 1, flags: null, seq: i,
  });

  beforeAll(async () => {
    ticks = await startMigrated('ticks', createChdbTickStore(dir));
    const stream = {
      kind: 'durable',
      consume: async (_group: string, handler: typeof handleRuns, events: Required<ConsumeEvents>) => void ((handleRuns = handler), (dealAgain = events.dealt), (behind = events.behind)),
    } as unknown as DurableTickStream;
    const seen: TickStore = {
      ...ticks,
      ticksBetween: (...args) => (readsBack++, ticks.ticksBetween(...args)),
      newestBetween: (...args) => (newestAsked++, ticks.newestBetween(...args)),
      async insert(list) {
        await ticks.insert(list);
        duringInsert?.();
        duringInsert = undefined;
        if (failNextInsert) {
          failNextInsert = false;
          throw new Error('insert timed out');
        }
      },
    };
    const stores = { ticks: seen, cache: createMemoryCacheStore() } as unknown as Stores;
    await startTickSink(stream, stores, 'sink-test', pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) }), { metrics });
  });
  afterAll(async () => {
    await ticks.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (symbols: string[]) => (await ticks.ticksBetween(symbols, t0, t0 + 1_000_000)).length;

  it('stores a batch that comes again once, however the second delivery is cut', async () => {
    const batch = Array.from({ length: 200 }, (_, i) => tick(i % 2 ? 'SNKA' : 'SNKB', i));
    await handle(batch.slice(0, 120));
    // Redelivered from an earlier offset, together with ticks never seen.
    await handle(batch.slice(60));
    await handle(batch);
    expect(await stored(['SNKA', 'SNKB'])).toBe(200);
  });

  it('counts each insert and its ticks in marketgraph_ingest_insert_ticks (writer sink), and no insert for a batch stored already', async () => {
    const observed = async () => {
      const { values } = await metrics.ingestInsertTicks.get();
      const of = (name: string) => values.find((v) => v.metricName === name && v.labels.writer === 'sink')?.value ?? 0;
      return { inserts: of('marketgraph_ingest_insert_ticks_count'), ticks: of('marketgraph_ingest_insert_ticks_sum') };
    };
    const before = await observed();
    const batch = Array.from({ length: 30 }, (_, i) => tick('SNKM', i));
    await handle(batch);
    await handle(batch); // every tick stored already: nothing to insert
    expect(await observed()).toEqual({ inserts: before.inserts + 1, ticks: before.ticks + 30 });
  });

  it('stores ticks that differ from stored ones in any field, even at the same time', async () => {
    const first = [tick('SNKC', 1), tick('SNKC', 2)];
    await handle(first);
    await handle([{ ...first[0]!, bid: 9, ask: 9.1, seq: 3 }, first[1]!, tick('SNKC', 0)]);
    expect(await stored(['SNKC'])).toBe(4);
  });

  it('drops a copy within one batch', async () => {
    const t = tick('SNKD', 1);
    await handle([t, { ...t, seq: 2 }, tick('SNKD', 2)]);
    expect(await stored(['SNKD'])).toBe(2);
  });

  // Four bridges on one symbol, client c sending the times 4k + c; the sink's batches hold the
  // odd clients' ticks one batch late (older than what the even clients' last batch stored).
  const interleaved = (symbol: string, batches: number, per = 50) =>
    Array.from({ length: batches }, (_, b) =>
      [0, 1, 2, 3].flatMap((c) => Array.from({ length: per }, (_, i) => tick(symbol, ((b - (c % 2)) * per + i) * 4 + c))).filter((t) => t.time >= t0),
    );

  it('compares interleaving batches with what it stored lately, without reading those ticks back', async () => {
    const batches = interleaved('SNKE', 6);
    await handle(batches[0]!);
    const before = readsBack;
    for (const batch of batches.slice(1)) await handle(batch);
    await handle(batches[3]!); // a batch that comes again
    expect(readsBack - before).toBe(0);
    expect(await stored(['SNKE'])).toBe(new Set(batches.flat().map((t) => t.time)).size);
  });

  it('stores batches in time order without asking the store anything but, once, each symbol’s newest tick', async () => {
    const batches = Array.from({ length: 5 }, (_, b) => Array.from({ length: 100 }, (_, i) => tick(i % 2 ? 'SNKH' : 'SNKI', 1 + b * 100 + i)));
    await ticks.insert([tick('SNKH', 0)]); // stored before: the sink learns it once
    const asked = [readsBack, newestAsked];
    for (const batch of batches) await handle(batch);
    expect([readsBack, newestAsked]).toEqual(asked);
    expect(await stored(['SNKH', 'SNKI'])).toBe(501);
  });

  it("stores the log's records in time order as their rows are, decoding no tick, and decodes a batch that comes again", async () => {
    const batch = Array.from({ length: 300 }, (_, i) => tick(i % 3 ? 'SNKR' : 'SNKS', 1 + i, 1 + i / 1e4));
    batch[7] = { ...batch[7]!, last: 1.5, volume: null, flags: 6 };
    let decoded = 0;
    // As the Kafka adapter reads them: format-3 records (the default), runs over their bytes.
    const runs = toRecords(batch).map((record, k) => {
      const run = runOf({ key: record.symbol, value: record.value, offset: 5_000 + k, partition: 0, headers: record.headers });
      return { ...run, ticks: () => (decoded++, run.ticks()) };
    });
    await handleRuns(runs);
    expect(decoded).toBe(0);
    const back = await ticks.ticksBetween(['SNKR', 'SNKS'], t0, t0 + 1_000_000);
    expect(back.sort((a, b) => a.seq - b.seq)).toEqual(runs.flatMap((run) => run.ticks()));
    decoded = 0;
    await handleRuns(runs); // again, after a crash before the commit: each tick at or before the stored ones
    expect(decoded).toBeGreaterThan(0);
    expect(await stored(['SNKR', 'SNKS'])).toBe(300);
  });

  it('asks the store again once the partitions are dealt again: another member may have stored ticks', async () => {
    const batches = interleaved('SNKF', 4);
    await handle(batches[0]!);
    await handle(batches[1]!);
    // Meanwhile another member took the partition over and stored the next batch.
    await ticks.insert(batches[2]!);
    dealAgain();
    await handle(batches[2]!);
    await handle(batches[3]!);
    expect(await stored(['SNKF'])).toBe(new Set(batches.flat().map((t) => t.time)).size);
  });

  it('learns from the store when the partitions are dealt again while a batch is being stored', async () => {
    const earlier = tick('SNKJ', 0);
    await ticks.insert([earlier]); // stored before this sink saw the symbol
    duringInsert = () => dealAgain();
    await handle([tick('SNKJ', 10), tick('SNKJ', 11)]);
    await handle([{ ...earlier, seq: 12 }, tick('SNKJ', 12)]); // a copy of the earlier tick comes again
    expect(await stored(['SNKJ'])).toBe(4);
  });

  it('asks the store again after an insert failed: it may have been applied', async () => {
    const batches = interleaved('SNKG', 4);
    await handle(batches[0]!);
    await handle(batches[1]!);
    failNextInsert = true;
    await expect(handle(batches[2]!)).rejects.toThrow('insert timed out');
    // Said in the log (a warning: the batch is not committed, and comes again).
    expect(logged.filter((l) => l.msg.includes('could not be stored')).map((l) => [l.level, l.err?.message])).toEqual([[40, 'insert timed out']]);
    await handle(batches[2]!); // the batch comes again
    await handle(batches[3]!);
    expect(await stored(['SNKG'])).toBe(new Set(batches.flat().map((t) => t.time)).size);
  });

  it("shows what its stream says it has still to store per partition in marketgraph_stream_sink_lag_records, and forgets it when the partitions are dealt again", async () => {
    const lag = async () => {
      const { values } = await metrics.sinkLagRecords.get();
      return Object.fromEntries(values.map((v) => [v.labels.partition, v.value]));
    };
    behind(3, 12);
    behind(5, 40);
    behind(5, 0);
    expect(await lag()).toEqual({ '3': 12, '5': 0 });
    dealAgain(); // partition 3 may be another member's now: its lag is that member's to say
    expect(await lag()).toEqual({});
  });
});
