import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer, type KafkaMessage, type PartitionMetadata } from 'kafkajs';
import { stopKafkajsIdleLoop } from './kafkajs-idle-loop.js';
import { createTopicAndWait, endOffsets } from './kafka-topics.js';
import { createRecordProducer } from './kafka-producer.js';
import { kafkajsSecurity, type KafkaSecurity } from './kafka-security.js';
import { createSendQueue } from './send-queue.js';
import { positionAfter, readRun, runOf, toRecords, type RecordFormat } from './tick-records.js';
import type { DurableTickStream, RunListener, TickRun, UnreadableListener } from './tick-stream.js';

export interface KafkaStreamOptions {
  brokers: string[];
  topic: string;
  /** Used when the topic does not exist yet. */
  partitions: number;
  replicationFactor: number;
  clientId: string;
  requestTimeoutMs: number;
  /** The broker holds a fetch until this many bytes are there or `maxWaitMs` passed: sink batches grow. */
  sinkMinBytes: number;
  sinkMaxWaitMs: number;
  /** How appended ticks are written (tick-records.ts); records of every format are read. Default: rowbinary. */
  recordFormat?: RecordFormat;
  /** TLS and SASL, for brokers that ask for them (kafka-security.ts). */
  security?: KafkaSecurity;
}

/**
 * Ticks as a Kafka-protocol log (Redpanda or Apache Kafka). Records are runs of one symbol's
 * ticks (tick-records.ts has the format, and how a tick's seq follows from its record's offset),
 * keyed by symbol so that a symbol always lands in one partition and keeps its order; the value
 * is RowBinary or JSONEachRow, both readable by ClickHouse's Kafka table engine.
 */
export function createKafkaTickStream(options: KafkaStreamOptions): DurableTickStream {
  stopKafkajsIdleLoop();
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: options.requestTimeoutMs,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
    ...kafkajsSecurity(options.security ?? {}),
  });
  const producer = createRecordProducer({ brokers: options.brokers, clientId: options.clientId, topic: options.topic, requestTimeoutMs: options.requestTimeoutMs, security: options.security });
  const listeners = new Map<RunListener, UnreadableListener | undefined>();
  const consumers: Consumer[] = [];
  // The producer's default partitioner (murmur2 of the key, as the Java client), applied here
  // so that we know each tick's partition and can give it its offset from the broker's answer.
  const partitioner = Partitioners.DefaultPartitioner();
  let partitionMetadata: PartitionMetadata[] = [];
  const partitionOf = (symbol: string) =>
    partitioner({ topic: options.topic, partitionMetadata, message: { key: symbol, value: null } });

  // Concurrent appends share sends (send-queue.ts).
  const sends = createSendQueue(producer.send);

  async function ensureTopic(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(options.topic)) {
        await createTopicAndWait(admin, { topic: options.topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor });
      }
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [options.topic] })).topics;
      partitionMetadata = metadata!.partitions;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * This process's live feed: a consumer group of its own, from the end of the log when it
   * starts. Its consumer starts at offsets fetched before it joins, and again after the last
   * record it handed on whenever it joins again (kafkajs starts a crashed consumer again): left
   * to itself, a consumer with nothing committed starts wherever the log ends at its first
   * fetch, and the records appended meanwhile would reach no subscriber of this process.
   */
  async function startLiveFeed(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    let next: Map<number, string>; // per partition, the offset of the next record to hand on
    try {
      next = await endOffsets(admin, options.topic);
    } finally {
      await admin.disconnect();
    }
    // The broker answers a fetch as soon as a record arrives: the wait only sets how often an idle feed asks.
    const consumer = kafka.consumer({ groupId: `${options.clientId}-live-${randomUUID()}`, maxWaitTimeInMs: 500 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: false });
    let joinedOnce: () => void;
    const joined = new Promise<void>((resolve) => (joinedOnce = resolve));
    // Emitted before the consumer's first fetch after each join: a seek here is where that fetch starts.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      for (const partition of payload.memberAssignment[options.topic] ?? []) {
        const offset = next.get(partition);
        if (offset !== undefined) consumer.seek({ topic: options.topic, partition, offset });
      }
      joinedOnce();
    });
    await consumer.run({
      autoCommit: false, // nothing to resume: a restarted process serves live ticks from then on
      eachBatch: async ({ batch }) => {
        const { runs, through } = readBatch(batch.messages, batch.partition, (record) => {
          for (const unreadable of listeners.values()) unreadable?.(record);
        });
        if (runs.length > 0) for (const listener of listeners.keys()) listener(runs);
        if (through !== undefined) next.set(batch.partition, offsetAfter(through));
      },
    });
    await joined;
  }

  return {
    kind: 'durable',
    kafkaAdmin: () => ({ admin: kafka.admin(), topic: { name: options.topic, partitions: options.partitions, replicationFactor: options.replicationFactor } }),
    engine: `kafka ${options.brokers.join(',')}/${options.topic}`,
    async start() {
      await ensureTopic();
      await producer.connect();
      await startLiveFeed();
    },
    async ping() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.fetchTopicMetadata({ topics: [options.topic] });
      } finally {
        await admin.disconnect();
      }
    },
    async close() {
      for (const consumer of consumers.splice(0)) await consumer.disconnect();
      await producer.close();
      listeners.clear();
    },
    async append(ticks) {
      if (ticks.length === 0) return [];
      const addressed = toRecords(ticks, options.recordFormat).map((record) => ({ record, partition: partitionOf(record.symbol) }));
      const offsets = await sends.append(addressed);
      // The runs as the log's readers get them, from the records' bytes: the caller holds them
      // for a while (the duplicate check), and the batch's tick objects can be collected.
      return addressed.map(({ record, partition }, i) => runOf({ key: record.symbol, value: record.value, offset: offsets[i]!, partition, headers: record.headers }));
    },
    follow(listener, unreadable) {
      listeners.set(listener, unreadable);
      return () => listeners.delete(listener);
    },
    partitionOf,
    // Before the topic's metadata is known, the partitions it is created with.
    partitionCount: () => partitionMetadata.length || options.partitions,
    async positions(group) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        if (group === undefined) {
          const offsets = await admin.fetchTopicOffsets(options.topic);
          return new Map(offsets.map((o) => [o.partition, positionAfter(Number(o.high) - 1)]));
        }
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [options.topic] });
        // -1: the group has committed nothing in that partition yet.
        return new Map(committed!.partitions.map((o) => [o.partition, positionAfter(Number(o.offset) - 1)]));
      } finally {
        await admin.disconnect();
      }
    },
    async consume(group, handler, { dealt, unreadable, behind } = {}) {
      const consumer = kafka.consumer({
        groupId: group,
        minBytes: options.sinkMinBytes,
        maxWaitTimeInMs: options.sinkMaxWaitMs,
        // Fetches as large as a broker gives (kafkajs asks 1 MiB per partition by default): the
        // sink's cost is mostly per insert, so fewer, larger ones keep up with a faster feed.
        maxBytesPerPartition: SINK_FETCH_BYTES_PER_PARTITION,
        maxBytes: SINK_FETCH_BYTES,
      });
      consumers.push(consumer);
      // Each join deals every partition afresh (kafkajs rebalances eagerly), before its first fetch.
      if (dealt) consumer.on(consumer.events.GROUP_JOIN, () => dealt());
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, pause }) => {
          // Records from `offset` to the log's end as this fetch saw it (its high watermark).
          const recordsFrom = (offset: string) => Number(BigInt(batch.highWatermark) - BigInt(offset));
          behind?.(batch.partition, recordsFrom(batch.messages[0]!.offset));
          const { runs, through, stoppedAt } = readBatch(batch.messages, batch.partition, unreadable, { stopAtNewer: true, keepTimes: true });
          if (runs.length > 0) await handler(runs);
          if (through !== undefined) {
            resolveOffset(through);
            // Committed only after the handler stored the batch: a crash before this line
            // means the batch comes again, and the handler drops what it already stored.
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: offsetAfter(through) }]);
          }
          behind?.(batch.partition, recordsFrom(stoppedAt ?? offsetAfter(through!)));
          // Paused until this process ends: the group's next member to hold the partition starts at the record.
          if (stoppedAt !== undefined) pause();
          await heartbeat();
        },
      });
    },
  };
}

const SINK_FETCH_BYTES_PER_PARTITION = 16 * 2 ** 20;
const SINK_FETCH_BYTES = 64 * 2 ** 20;

/**
 * A fetched batch's records as runs (tick-records.ts, readRun), each unreadable one told to
 * `unreadable` and passed over; with `stopAtNewer`, the batch ends before the first one a later
 * version wrote (`stoppedAt`). `through`: the offset of the last record read or passed over.
 * `keepTimes` (the sink, which checks the times next and lets the runs go): the runs keep the
 * times read for the check, which a reader holding runs for seconds would keep alive too.
 */
function readBatch(messages: KafkaMessage[], partition: number, unreadable: UnreadableListener | undefined, { stopAtNewer = false, keepTimes = false } = {}) {
  const runs: TickRun[] = [];
  let through: string | undefined;
  for (const message of messages) {
    const read = readRun(asRecord(message, partition), { keepTimes });
    if ('unreadable' in read) {
      const stop = stopAtNewer && read.newer;
      unreadable?.({ partition, offset: Number(message.offset), reason: read.unreadable, newer: read.newer, skipped: !stop });
      if (stop) return { runs, through, stoppedAt: message.offset };
    } else runs.push(read.run);
    through = message.offset;
  }
  return { runs, through, stoppedAt: undefined };
}

/** The offset after `offset` (offsets are 64-bit, as text). */
const offsetAfter = (offset: string) => String(BigInt(offset) + 1n);

const asRecord = (message: KafkaMessage, partition: number) => ({
  key: message.key,
  value: message.value,
  offset: Number(message.offset),
  partition,
  headers: message.headers,
});
