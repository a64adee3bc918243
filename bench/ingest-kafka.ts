import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopicAndWait } from '../src/stores/stream/kafka-topics.js';
import { sleep } from './harness.js';
import { PERF_TEST_BATCHED, producerPerfTest } from './kafka-perf.js';
import { progress, type Row } from './report.js';

/**
 * What bench/ingest.ts measures on the gateway's topic with BENCH_SERVERS=1 (issue 15): how far
 * the sink group lags, and what the gateway's records look like, counted on the topic itself
 * (the record format is changing: nothing here assumes one tick per record), for the broker's
 * own rate with those records as the anchor.
 */
export const SINK_CATCH_UP_TARGET_MS = 5_000; // issue 15: lag back to zero within 5 s
const CATCH_UP_LIMIT_MS = 120_000; // a sink that never catches up fails the scenario after this
const POLL_MS = 50;

/** High watermarks by partition: the offset the next record of each will take. */
export type Marks = number[];

export interface Phase {
  label: string;
  from: Marks;
  to: Marks;
  /** Ticks the gateway accepted between the two marks, and over how long. */
  accepted: number;
  seconds: number;
}

export interface GatewayTopic {
  partitions: number;
  marks(): Promise<Marks>;
  /** Records appended and not yet committed by the sink group. */
  lag(): Promise<number>;
  /** ms until the sink group's lag is zero, polled every 50 ms. */
  caughtUp(): Promise<number>;
  /** Records and value bytes between each phase's marks, read once from the topic. */
  recordSizes(phases: readonly Phase[]): Promise<{ records: number; bytes: number }[]>;
  admin: Admin;
  /** Deletes the topic and the sink group, once the gateway has stopped: the broker is shared. */
  discard(): Promise<void>;
}

export async function watchTopic(brokers: string[], topic: string, group: string): Promise<GatewayTopic> {
  const kafka = new Kafka({ clientId: 'marketgraph-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const marks = async (): Promise<Marks> =>
    (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
  const lag = async () => {
    const [ends, [committed]] = await Promise.all([marks(), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    const done = new Map(committed!.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return ends.reduce((n, end, p) => n + end - (done.get(p) ?? 0), 0);
  };
  return {
    partitions: (await marks()).length,
    marks,
    lag,
    async caughtUp() {
      const started = performance.now();
      while ((await lag()) > 0) {
        if (performance.now() - started > CATCH_UP_LIMIT_MS) throw new Error(`the sink group ${group} still lags ${await lag()} records after ${CATCH_UP_LIMIT_MS} ms`);
        await sleep(POLL_MS);
      }
      return performance.now() - started;
    },
    recordSizes: (phases) => readSizes(kafka, topic, phases),
    admin,
    async discard() {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Reads the topic from its start up to the last phase's end, summing each phase's records and value bytes. */
async function readSizes(kafka: Kafka, topic: string, phases: readonly Phase[]): Promise<{ records: number; bytes: number }[]> {
  const sizes = phases.map(() => ({ records: 0, bytes: 0 }));
  const end = phases[0]!.to.map((_, p) => Math.max(...phases.map((ph) => ph.to[p]!)));
  const remaining = new Set(end.flatMap((offset, p) => (offset > 0 ? [p] : [])));
  if (remaining.size === 0) return sizes;
  const consumer = kafka.consumer({ groupId: `bench-sizes-${randomUUID()}`, maxBytes: 10 * 2 ** 20 });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const p = batch.partition;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          const i = phases.findIndex((ph) => offset >= ph.from[p]! && offset < ph.to[p]!);
          if (i >= 0) (sizes[i]!.records += 1), (sizes[i]!.bytes += message.value?.length ?? 0);
          if (offset >= end[p]! - 1 && remaining.delete(p) && remaining.size === 0) finish();
        }
      },
    });
    await finished;
  } finally {
    await consumer.disconnect();
  }
  return sizes;
}

/**
 * The anchor: Kafka's producer perf test, batched as the gateway's sends, with as many records
 * as the gateway appended in the phase and their mean value size, on a topic with as many
 * partitions; the broker's ticks/s is its records/s times the phase's ticks per record.
 */
export async function anchorRows(brokers: string, topic: GatewayTopic, phases: readonly Phase[]): Promise<Row[]> {
  progress('ingest: reading the gateway\'s records back for their count and size');
  const sizes = await topic.recordSizes(phases);
  const rows: Row[] = [];
  for (const [i, phase] of phases.entries()) {
    const { records, bytes } = sizes[i]!;
    const size = Math.max(1, Math.round(bytes / records));
    const ticksPerRecord = phase.accepted / records;
    const perfTopic = `marketgraph.bench-anchor-${process.pid}-${Date.now()}`;
    await createTopicAndWait(topic.admin, { topic: perfTopic, numPartitions: topic.partitions, replicationFactor: 1 });
    try {
      progress(`ingest: producer perf test, ${records.toLocaleString('en-US')} records of ${size} B`);
      const perf = await producerPerfTest(brokers, perfTopic, records, size, PERF_TEST_BATCHED);
      const broker = perf.recordsPerS * ticksPerRecord;
      const gateway = phase.accepted / phase.seconds;
      rows.push({
        scenario: `the broker's own rate as the anchor: ${phase.label}, the gateway against the perf test (perf test: ${records.toLocaleString('en-US')} records of ${size} B as the gateway wrote, ${ticksPerRecord.toFixed(1)} ticks/record; ${Math.round(perf.recordsPerS).toLocaleString('en-US')} records/s, ${perf.mbPerS} MB/s)`,
        figure: gateway,
        unit: 'ticks/s',
        baseline: broker,
        baselineName: `kafka-producer-perf-test, ${PERF_TEST_BATCHED.join(' ')}`,
        ratio: gateway / broker,
        target: 'report',
        pass: null,
      });
    } finally {
      await topic.admin.deleteTopics({ topics: [perfTopic] }).catch(() => undefined);
    }
  }
  return rows;
}

export function catchUpRow(label: string, ms: number): Row {
  return {
    scenario: `  ${label}: the sink's lag back to zero after the load`,
    figure: ms,
    unit: 'ms',
    baseline: null,
    baselineName: null,
    ratio: null,
    target: `<= ${SINK_CATCH_UP_TARGET_MS.toLocaleString('en-US')} ms`,
    pass: ms <= SINK_CATCH_UP_TARGET_MS,
  };
}
