import { randomUUID } from 'node:crypto';
import './promise-with-resolvers.js'; // before @platformatic/kafka: Node 20 lacks it
import { Consumer as PlatformaticConsumer, Producer as PlatformaticProducer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { decodeRecord, sends, type TickRecord } from './kafka-records.js';

/**
 * The two Kafka clients bench/kafka.ts compares, behind the two calls it needs: produce a list
 * of records the way the gateway sends them, and read a topic back to the last tick, decoding
 * every record. Each call reports its wall time and this process's CPU time.
 */
export interface Measured {
  ticks: number;
  seconds: number;
  cpuUs: number;
}

export interface BenchClient {
  name: string;
  produce(topic: string, records: readonly TickRecord[]): Promise<Measured>;
  /** Reads `topic` from the beginning until `ticks` ticks are decoded; the clock starts at the first record. */
  consume(topic: string, ticks: number): Promise<Measured>;
}

function meter() {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return {
    done(ticks: number): Measured {
      const used = process.cpuUsage(cpu);
      return { ticks, seconds: (performance.now() - started) / 1000, cpuUs: used.user + used.system };
    },
  };
}

// A consumer that stops short of the ticks produced (a lost record, a decoding bug) fails the
// scenario instead of hanging it: 300,000 ticks were read back in under 5 s in every run here.
const CONSUME_TIMEOUT_MS = 60_000;

/** `done` resolves once `add` has counted `ticks` ticks, and rejects if that takes over CONSUME_TIMEOUT_MS. */
function tickCounter(ticks: number) {
  let seen = 0;
  let resolve!: () => void;
  let timer: NodeJS.Timeout;
  const done = new Promise<void>((res, reject) => {
    resolve = res;
    timer = setTimeout(() => reject(new Error(`consumed ${seen} of ${ticks} ticks in ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
  }).finally(() => clearTimeout(timer));
  return {
    done,
    add(n: number) {
      seen += n;
      if (seen >= ticks) resolve();
    },
  };
}

// Whole sends, one at a time, as one gateway append does: an idempotent producer with acks=all
// (kafka-tick-stream.ts: `idempotent: true, maxInFlightRequests: 1`, `acks: -1`).
export function kafkajsClient(brokers: string[]): BenchClient {
  const kafka = new Kafka({ clientId: 'marketgraph-bench', brokers, logLevel: logLevel.NOTHING });
  return {
    name: 'kafkajs 2.2.4',
    async produce(topic, records) {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const m = meter();
        for (const batch of sends(records)) {
          await producer.send({ topic, acks: -1, messages: batch.map((r) => ({ key: r.key, value: r.value, partition: r.partition })) });
        }
        return m.done(records.reduce((n, r) => n + r.ticks, 0));
      } finally {
        await producer.disconnect();
      }
    },
    async consume(topic, ticks) {
      const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}`, maxBytes: 10 * 2 ** 20 });
      const counter = tickCounter(ticks);
      let m: ReturnType<typeof meter> | undefined;
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (!m) m = meter();
            for (const message of batch.messages) counter.add(decodeRecord(message.value!.toString()).length);
          },
        });
        await counter.done;
        return m!.done(ticks);
      } finally {
        await consumer.disconnect();
      }
    },
  };
}

export function platformaticClient(brokers: string[]): BenchClient {
  const base = { clientId: 'marketgraph-bench', bootstrapBrokers: brokers };
  return {
    name: '@platformatic/kafka 2.12.1',
    async produce(topic, records) {
      const producer = new PlatformaticProducer({ ...base, idempotent: true, acks: -1 });
      try {
        await producer.metadata({ topics: [topic] }); // connects before the clock starts, as kafkajs's connect()
        const m = meter();
        for (const batch of sends(records)) {
          await producer.send({ messages: batch.map((r) => ({ topic, key: Buffer.from(r.key), value: Buffer.from(r.value), partition: r.partition })) });
        }
        return m.done(records.reduce((n, r) => n + r.ticks, 0));
      } finally {
        await producer.close();
      }
    },
    async consume(topic, ticks) {
      const consumer = new PlatformaticConsumer({ ...base, groupId: `bench-${randomUUID()}`, maxBytes: 10 * 2 ** 20 });
      const counter = tickCounter(ticks);
      let m: ReturnType<typeof meter> | undefined;
      try {
        const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
        stream.on('data', (message) => {
          if (!m) m = meter();
          counter.add(decodeRecord(message.value.toString()).length);
        });
        await counter.done;
        const measured = m!.done(ticks);
        await stream.close();
        return measured;
      } finally {
        await consumer.close(true);
      }
    },
  };
}
