import { Producer, ProduceAcks, stringSerializer } from '@platformatic/kafka';
import { platformaticSecurity, type KafkaSecurity } from './kafka-security.js';
import type { SendRecords } from './send-queue.js';

export interface RecordProducerOptions {
  brokers: string[];
  clientId: string;
  topic: string;
  requestTimeoutMs: number;
  security?: KafkaSecurity;
}

/**
 * The stream's producer: `@platformatic/kafka`, idempotent (a send retried after a lost
 * acknowledgement is not appended twice), each send acknowledged by all in-sync replicas.
 *
 * Why not kafkajs, which the rest of the adapter uses: producing the gateway's records, it took
 * 1.6x to 3.9x the CPU per tick of `@platformatic/kafka` (bench/kafka.ts, README "Kafka path");
 * kafkajs computes each record batch's CRC-32C in JavaScript, where `@platformatic/kafka` uses a
 * native or WebAssembly one. The consumers and the admin stay on kafkajs: with records of many
 * ticks, decoding costs about the same in both.
 */
export function createRecordProducer(options: RecordProducerOptions) {
  const producer = new Producer({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    // Keys and headers are text; values are the records' bytes as toRecords wrote them.
    serializers: { key: stringSerializer, value: (value?: Buffer) => value, headerKey: stringSerializer, headerValue: stringSerializer },
    idempotent: true,
    acks: ProduceAcks.ALL,
    timeout: options.requestTimeoutMs,
    connectTimeout: options.requestTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    retries: 3,
    retryDelay: 100,
    autocreateTopics: false,
    ...platformaticSecurity(options.security ?? {}),
  });

  const send: SendRecords = async (records) => {
    const result = await producer.send({
      messages: records.map(({ record, partition }) => ({ topic: options.topic, key: record.symbol, value: record.value, headers: record.headers, partition })),
    });
    return new Map((result.offsets ?? []).map((o) => [o.partition, Number(o.offset)]));
  };

  return {
    send,
    /** Connects, learning the topic's partitions and leaders. */
    async connect(): Promise<void> {
      await producer.metadata({ topics: [options.topic] });
    },
    async close(): Promise<void> {
      await producer.close();
    },
  };
}
