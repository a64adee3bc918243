import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { createDurableWritePath } from '../../src/ingest/durable-write-path.js';
import { createLocalWritePath } from '../../src/ingest/local-write-path.js';
import { startTickSink } from '../../src/ingest/tick-sink.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createMemoryCacheStore } from '../../src/stores/cache/memory-cache-store.js';
import type { Stores } from '../../src/stores/stores.js';
import { createKafkaTickStream } from '../../src/stores/stream/kafka-tick-stream.js';
import { createMemoryTickStream } from '../../src/stores/stream/memory-tick-stream.js';
import type { TickStream } from '../../src/stores/stream/tick-stream.js';
import { createChdbTickStore } from '../../src/stores/ticks/chdb-tick-store.js';
import type { TickStore } from '../../src/stores/ticks/tick-store.js';
import { startMigrated } from '../helpers/migrate.js';
import { tickIngestContract } from './tick-ingest.contract.js';

// One embedded tick store (chDB) for both halves, each with symbols of its own. The relational
// store is a stand-in: the write path only asks it which symbols exist.
const dir = mkdtempSync(join(tmpdir(), 'marketgraph-ingest-contract-'));
let ticks: Promise<TickStore> | undefined;
const tickStore = () => (ticks ??= startMigrated('ticks', createChdbTickStore(dir)));
afterAll(async () => {
  await (await ticks)?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function storesFor(symbols: readonly string[], stream: TickStream): Promise<Stores> {
  return {
    relational: { instrumentsBySymbols: async (asked: string[]) => asked.map((s) => (symbols.includes(s) ? { symbol: s } : null)) },
    ticks: await tickStore(),
    cache: createMemoryCacheStore(),
    stream,
  } as unknown as Stores;
}

const run = Math.random().toString(36).slice(2, 6).toUpperCase();

/** A local write path with symbols of its own; `maxRecentTicks` bounds the stored groups it holds. */
function openLocal(prefix: string, maxRecentTicks?: number) {
  return async (maxPendingTicks: number) => {
    const symbols = [`${prefix}A${run}`, `${prefix}B${run}`];
    const stream = createMemoryTickStream();
    const stores = await storesFor(symbols, stream);
    return { ingest: createLocalWritePath(stores, stream, createMetrics(), { maxPendingTicks, maxRecentTicks }), symbols, close: async () => {} };
  };
}

tickIngestContract('local write path (in-process stream, chDB)', openLocal('L'));
// Every stored group evicted at once: the store answers every check.
tickIngestContract('local write path holding no stored groups (the store answers every check)', openLocal('M', 1));

const brokers = process.env.KAFKA_BROKERS;
/** A durable write path on a topic and sink group of its own; `maxRecentTicks` bounds the runs it holds. */
function openDurable(prefix: string, maxRecentTicks?: number) {
  return async (maxPendingTicks: number) => {
    const symbols = [`${prefix}A${run}`, `${prefix}B${run}`];
    const stream = createKafkaTickStream({
      brokers: brokers!.split(','),
      topic: `ingest-contract-${Date.now()}-${prefix}${run}`,
      partitions: 3,
      replicationFactor: 1,
      clientId: `ingest-contract-${prefix}${run}`,
      requestTimeoutMs: 10_000,
      sinkMinBytes: 1,
      sinkMaxWaitMs: 100,
    });
    await stream.start();
    const stores = await storesFor(symbols, stream);
    const sinkGroup = `ingest-contract-${prefix}${run}`;
    void startTickSink(stream, stores, sinkGroup, createLogger('silent'));
    const ingest = createDurableWritePath(stores, stream, createMetrics(), { maxPendingTicks, sinkGroup, maxRecentTicks });
    return { ingest, symbols, close: () => stream.close() };
  };
}

if (brokers) {
  tickIngestContract('durable write path (Kafka protocol, chDB through the sink)', openDurable('D'));
  // Every run evicted at once: a tick out of time order waits for the sink, then the store answers.
  tickIngestContract('durable write path holding no recent runs (the store answers every check)', openDurable('E', 1));
} else {
  describe.skip('TickIngest contract: durable write path (KAFKA_BROKERS not set)', () => {});
}
