import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTickSink } from '../src/ingest/tick-sink.js';
import { createLogger } from '../src/logger.js';
import { createMemoryCacheStore } from '../src/stores/cache/memory-cache-store.js';
import type { Stores } from '../src/stores/stores.js';
import { runOf, toRecords } from '../src/stores/stream/tick-records.js';
import type { DurableTickStream, TickRun } from '../src/stores/stream/tick-stream.js';
import { createChdbTickStore } from '../src/stores/ticks/chdb-tick-store.js';
import type { StoredTick, TickInput, TickStore } from '../src/stores/ticks/tick-store.js';
import { startMigrated } from '../test/helpers/migrate.js';
import { median, scaled } from './harness.js';
import { progress, type Row } from './report.js';

/**
 * The Kafka sink alone (src/ingest/tick-sink.ts), without a broker: batches of the log's runs
 * (RowBinary records, as the consumer hands them) through a stand-in stream into chDB, against
 * the tick store's own insert of the same ticks, decoded before the clock (the sink's baseline:
 * what storing them costs without the sink's decoding and duplicate check). Two workloads: four
 * bridges in time order, and four bridges interleaving one symbol, two of them a batch late, so
 * that half of each batch is older than what the batch before stored. Two passes of each,
 * alternating with the baseline, each figure their mean.
 */
const CLIENTS = 4;
const PER_CLIENT = 10_000; // ticks per client in a sink batch
const BATCHES = Math.max(4, Math.round(scaled(30)));
const PASSES = 2;

type Workload = (pass: number, b: number, c: number, i: number) => TickInput;

const bid = (i: number) => 1 + (i % 1000) / 10_000;
const start = Date.now() - 4 * 86_400_000;
const WORKLOADS: Record<string, { name: string; tick: Workload }> = {
  inOrder: {
    name: 'batches in time order (4 bridges, 13 symbols each)',
    tick: (pass, b, c, i) => ({ symbol: `SK${pass}O${c}_${i % 13}`, time: start + b * PER_CLIENT + i, bid: bid(i), ask: bid(i) + 0.0002, last: null, volume: 1, flags: 6 }),
  },
  interleaved: {
    name: 'batches of 4 bridges interleaving one symbol, two a batch late',
    tick: (pass, b, c, i) => ({ symbol: `SK${pass}X`, time: start + ((b - (c % 2)) * PER_CLIENT + i) * CLIENTS + c, bid: bid(i), ask: bid(i) + 0.0002, last: null, volume: 1, flags: 6 }),
  },
};

/** The sink batches of a workload: per batch, each client's ticks as the log's runs. */
function batchesOf(tick: Workload, pass: number): TickRun[][] {
  let offset = 0;
  return Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: PER_CLIENT }, (_, i) => tick(pass, b + 1, c, i))).flatMap((ticks) =>
      toRecords(ticks).map((r) => runOf({ key: r.symbol, value: r.value, offset: offset++, partition: 0, headers: r.headers })),
    ),
  );
}

export async function benchSink(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-sink-'));
  const store: TickStore = await startMigrated('ticks', createChdbTickStore(dir));
  try {
    let reads = 0;
    const counted: TickStore = { ...store, ticksBetween: (...args) => (reads++, store.ticksBetween(...args)) };
    let handle: (runs: TickRun[]) => Promise<void> = async () => {};
    const stream = { kind: 'durable', consume: async (_group: string, handler: typeof handle) => void (handle = handler) } as unknown as DurableTickStream;
    await startTickSink(stream, { ticks: counted, cache: createMemoryCacheStore() } as unknown as Stores, 'bench-sink', createLogger('silent'));

    const rows: Row[] = [];
    for (const [key, workload] of Object.entries(WORKLOADS)) {
      const sink: number[] = [];
      const insert: number[] = [];
      let readsPerBatch = 0;
      for (let pass = 0; pass < PASSES; pass++) {
        progress(`sink: ${workload.name}, pass ${pass + 1}`);
        const batches = batchesOf(workload.tick, 2 * pass);
        const before = reads;
        sink.push(await rate(batches, (runs) => handle(runs)));
        readsPerBatch += (reads - before) / BATCHES / PASSES;
        // The baseline: the same shape of ticks (other symbols), decoded before the clock.
        const decoded = batchesOf(workload.tick, 2 * pass + 1).map((runs) => runs.flatMap((run) => run.ticks()) as StoredTick[]);
        insert.push(await rate(decoded, (ticks) => store.insert(ticks)));
      }
      const figure = median(sink);
      const baseline = median(insert);
      rows.push({
        scenario: `Kafka sink alone (no broker) into chDB, ${CLIENTS * PER_CLIENT}-tick ${workload.name} (${key}; passes: ${sink.map(Math.round).join(', ')})`,
        figure,
        unit: 'ticks/s',
        baseline,
        baselineName: `the tick store's insert of the same ticks, decoded (${insert.map(Math.round).join(', ')})`,
        ratio: figure / baseline,
        target: 'report',
        pass: null,
      });
      rows.push({ scenario: `  the sink's reads of stored ticks back, per batch (${key})`, figure: readsPerBatch, unit: 'reads', baseline: null, baselineName: null, ratio: null, target: 'report', pass: null });
    }
    return rows;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rate<T>(batches: T[], each: (batch: T) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (const batch of batches) await each(batch);
  return (BATCHES * CLIENTS * PER_CLIENT) / ((performance.now() - started) / 1000);
}
