import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createKafkaTickStream } from '../../src/stores/stream/kafka-tick-stream.js';

/**
 * A gateway on Kafka with nothing to do must not keep a core busy. kafkajs 2.2.4 re-armed each
 * broker connection's request-queue check every millisecond whether or not a request waited
 * (src/stores/stream/kafkajs-idle-loop.ts): an idle gateway used 7.6% of a core. Counted here
 * as the checks themselves, on the stream as the gateway runs it (the producer, the live feed
 * and a sink consumer connected): about a thousand a second per connection before, a few (one
 * per fetch answer) now.
 */
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  describe.skip('Kafka stream, idle (KAFKA_BROKERS not set)', () => {});
} else {
  describe('Kafka stream, idle', () => {
    it('checks its request queues only while a request waits, not every millisecond', async () => {
      const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as { prototype: { checkPendingRequests(...args: unknown[]): void } };
      const check = RequestQueue.prototype.checkPendingRequests;
      let checks = 0;
      RequestQueue.prototype.checkPendingRequests = function (...args: unknown[]) {
        checks++;
        return check.apply(this, args);
      };
      const run = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
      const stream = createKafkaTickStream({ brokers: brokers.split(','), topic: `idle-${run}`, partitions: 3, replicationFactor: 1, clientId: `idle-${run}`, requestTimeoutMs: 10_000, sinkMinBytes: 64 * 1024, sinkMaxWaitMs: 500 });
      try {
        await stream.start();
        void stream.consume(`idle-sink-${run}`, async () => {});
        await stream.append([{ symbol: 'IDLE', time: Date.UTC(2026, 0, 5), bid: 1, ask: 1.0002, last: null, volume: null, flags: null }]);
        await sleep(2_000); // the sink's group joined, the appended tick read
        checks = 0;
        await sleep(2_000);
        expect(checks).toBeLessThan(100);
      } finally {
        RequestQueue.prototype.checkPendingRequests = check;
        await stream.close();
      }
    });
  });
}
