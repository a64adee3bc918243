import { describe } from 'vitest';
import { createKafkaTickStream } from '../../src/stores/stream/kafka-tick-stream.js';
import { createMemoryTickStream } from '../../src/stores/stream/memory-tick-stream.js';
import { tickStreamContract } from './tick-stream.contract.js';

tickStreamContract('in-process', async () => {
  const stream = createMemoryTickStream();
  return [stream, stream];
});

const brokers = process.env.KAFKA_BROKERS;
if (brokers) {
  // Two clients on one broker, as two gateway processes would be; a topic of their own.
  const topic = `contract-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const open = (clientId: string) =>
    createKafkaTickStream({
      brokers: brokers.split(','),
      topic,
      partitions: 3,
      replicationFactor: 1,
      clientId,
      requestTimeoutMs: 10_000,
      sinkMinBytes: 1,
      sinkMaxWaitMs: 100,
    });
  tickStreamContract('Kafka protocol', async () => [open('contract-a'), open('contract-b')]);
} else {
  describe.skip('TickStream contract: Kafka protocol (KAFKA_BROKERS not set)', () => {});
}
