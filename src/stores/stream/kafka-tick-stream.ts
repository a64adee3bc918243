import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer, type KafkaMessage, type PartitionMetadata, type Producer } from 'kafkajs';
import type { StoredTick, TickInput } from '../ticks/tick-store.js';
import { createTopicAndWait } from './kafka-topics.js';
import type { DurableTickStream, TickListener } from './tick-stream.js';

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
}

/**
 * Ticks as a Kafka-protocol log (Redpanda or Apache Kafka): one message per tick, keyed by
 * symbol so that a symbol always lands in one partition and keeps its order; the value is
 * the tick as JSON, readable by any other consumer of the topic. A tick's `seq` is its
 * offset, which orders ticks within a symbol.
 */
export function createKafkaTickStream(options: KafkaStreamOptions): DurableTickStream {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    requestTimeout: options.requestTimeoutMs,
    connectionTimeout: options.requestTimeoutMs,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    logLevel: logLevel.NOTHING,
  });
  // Idempotent producer: a retried send after a lost acknowledgement is not appended twice.
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const listeners = new Set<TickListener>();
  const consumers: Consumer[] = [];
  // The producer's default partitioner (murmur2 of the key, as the Java client), applied here
  // so that we know each tick's partition and can give it its offset from the broker's answer.
  const partitioner = Partitioners.DefaultPartitioner();
  let partitionMetadata: PartitionMetadata[] = [];
  const partitionOf = (symbol: string) =>
    partitioner({ topic: options.topic, partitionMetadata, message: { key: symbol, value: null } });

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

  /** This process's live feed: a consumer group of its own that starts at the end of the log. */
  async function startLiveFeed(): Promise<void> {
    const consumer = kafka.consumer({ groupId: `${options.clientId}-live-${randomUUID()}`, maxWaitTimeInMs: 50 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false, // nothing to resume: a restarted process serves live ticks from then on
      eachBatch: async ({ batch }) => {
        const ticks = batch.messages.map(decode);
        for (const listener of listeners) listener(ticks);
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
      await producer.disconnect();
      listeners.clear();
    },
    async append(ticks) {
      if (ticks.length === 0) return [];
      const partitions = ticks.map((t) => partitionOf(t.symbol));
      const values = ticks.map(encode);
      const seqs = new Array<number>(ticks.length);
      // One send carries one record batch per partition, and a broker refuses a batch above its
      // message.max.bytes (1 MiB by default): a large insertTicks goes as several sends, in order.
      for (const [from, to] of sendRanges(ticks, values, partitions)) {
        const records = await producer.send({
          topic: options.topic,
          acks: -1, // all in-sync replicas
          messages: ticks.slice(from, to).map((t, i) => ({ key: t.symbol, value: values[from + i]!, partition: partitions[from + i] })),
        });
        // Within a partition the messages of one send keep their order, so the n-th tick sent
        // to a partition has offset baseOffset + n.
        const next = new Map(records.map((r) => [r.partition, Number(r.baseOffset)]));
        for (let i = from; i < to; i++) {
          const offset = next.get(partitions[i]!)!;
          next.set(partitions[i]!, offset + 1);
          seqs[i] = offset;
        }
      }
      return ticks.map((t, i) => ({ ...t, seq: seqs[i]! }));
    },
    subscribe(listener) {
      listeners.add(listener);
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
          return new Map(offsets.map((o) => [o.partition, Number(o.high) - 1]));
        }
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [options.topic] });
        // -1: the group has committed nothing in that partition yet.
        return new Map(committed!.partitions.map((o) => [o.partition, Number(o.offset) - 1]));
      } finally {
        await admin.disconnect();
      }
    },
    async consume(group, handler) {
      const consumer = kafka.consumer({
        groupId: group,
        minBytes: options.sinkMinBytes,
        maxWaitTimeInMs: options.sinkMaxWaitMs,
      });
      consumers.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          if (batch.messages.length === 0) return;
          await handler(batch.messages.map(decode));
          const last = batch.messages.at(-1)!.offset;
          resolveOffset(last);
          // Committed only after the handler stored the batch: a crash before this line
          // means the batch comes again, and the handler drops what it already stored.
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }]);
          await heartbeat();
        },
      });
    },
  };
}

// What one send may put in one partition's record batch: below the broker's default
// message.max.bytes (1 MiB), with room for the batch's own headers.
const MAX_BATCH_BYTES = 768 * 1024;
// kafkajs groups a send's messages by partition copying the partition's list for every message
// (quadratic in the messages per send), so sends are also kept short in messages. Appending
// 100,000-tick batches here: 40,000 ticks/s without this limit, 52,000 to 65,000 with 1,000.
const MAX_MESSAGES_PER_SEND = 1_000;
// A record's framing besides its key and value (length, attributes, deltas, headers count).
const RECORD_OVERHEAD_BYTES = 24;

/** [from, to) ranges of ticks, in order: at most MAX_MESSAGES_PER_SEND, and no partition's share above MAX_BATCH_BYTES. */
function sendRanges(ticks: readonly TickInput[], values: readonly string[], partitions: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  let bytes = new Map<number, number>();
  let from = 0;
  for (let i = 0; i < ticks.length; i++) {
    const size = ticks[i]!.symbol.length + values[i]!.length + RECORD_OVERHEAD_BYTES;
    const filled = (bytes.get(partitions[i]!) ?? 0) + size;
    if ((filled > MAX_BATCH_BYTES || i - from >= MAX_MESSAGES_PER_SEND) && i > from) {
      ranges.push([from, i]);
      from = i;
      bytes = new Map([[partitions[i]!, size]]);
    } else {
      bytes.set(partitions[i]!, filled);
    }
  }
  ranges.push([from, ticks.length]);
  return ranges;
}

function encode(t: TickInput): string {
  return JSON.stringify({ symbol: t.symbol, time: t.time, bid: t.bid, ask: t.ask, last: t.last, volume: t.volume, flags: t.flags });
}

function decode(message: KafkaMessage): StoredTick {
  const t = JSON.parse(message.value!.toString()) as TickInput;
  return { symbol: t.symbol, time: t.time, bid: t.bid, ask: t.ask, last: t.last ?? null, volume: t.volume ?? null, flags: t.flags ?? null, seq: Number(message.offset) };
}
