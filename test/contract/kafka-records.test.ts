import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaTickStream } from '../../src/stores/stream/kafka-tick-stream.js';
import { MAX_TICKS_PER_RECORD, SEQ_STRIDE } from '../../src/stores/stream/tick-records.js';
import type { DurableTickStream, TickRun } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../../src/stores/ticks/tick-store.js';
import { until } from '../helpers/until.js';

/**
 * The log's record format (src/stores/stream/tick-records.ts) as other programs see it: records
 * written before issue 15 (one tick each) are still read, with the seq they had; the records
 * written now are read as rows by a consumer that knows nothing of marketgraph and by
 * ClickHouse's own Kafka table engine (in chDB, ClickHouse in-process).
 */
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  describe.skip('Kafka record format (KAFKA_BROKERS not set)', () => {});
} else {
  describe('Kafka record format', () => {
    const run = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    const topic = `records-${run}`;
    const kafka = new Kafka({ clientId: `records-${run}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    let stream: DurableTickStream;
    const t0 = Date.UTC(2026, 0, 5, 9);
    const tick = (symbol: string, i: number): TickInput => ({ symbol, time: t0 + i, bid: 1 + i / 1e5, ask: 1.0002 + i / 1e5, last: i % 2 ? 1.0001 : null, volume: i % 3 ? 2.5 : null, flags: i % 4 ? 6 : null });
    const follow = async (count: number): Promise<StoredTick[]> => {
      const got: StoredTick[] = [];
      const off = stream.follow((runs: readonly TickRun[]) => got.push(...runs.flatMap((r) => r.ticks())));
      await until(async () => got.length, (n) => n >= count, 20_000);
      off();
      return got;
    };
    /** Every record of the topic from the start, as a consumer group reading it sees them. */
    const consumeAll = async (count: number): Promise<TickRun[]> => {
      const runs: TickRun[] = [];
      const reading = stream.consume(`records-sink-${run}-${Math.random()}`, async (batch) => void runs.push(...batch));
      await reading;
      await until(async () => runs.reduce((n, r) => n + r.count, 0), (n) => n >= count, 20_000);
      return runs;
    };

    beforeAll(async () => {
      stream = createKafkaTickStream({ brokers: brokers.split(','), topic, partitions: 1, replicationFactor: 1, clientId: `records-${run}`, requestTimeoutMs: 10_000, sinkMinBytes: 1, sinkMaxWaitMs: 100 });
      await stream.start();
    });
    afterAll(async () => {
      await stream.close();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('reads records an earlier version wrote (one tick each, seq the offset), then the new ones, with seq growing across the change', async () => {
      // Format 1, as kafka-tick-stream.ts wrote it before: a tick's JSON, keyed by symbol, no header.
      const producer = kafka.producer();
      await producer.connect();
      const old = [tick('OLDFMT', 1), tick('OLDFMT', 2), tick('OLDFMT', 3)];
      const following = follow(old.length + 2);
      await producer.send({ topic, acks: -1, messages: old.map((t) => ({ key: t.symbol, value: JSON.stringify(t) })) });
      await producer.disconnect();
      const appended = (await stream.append([tick('OLDFMT', 4), tick('OLDFMT', 5)])).flatMap((r) => r.ticks());
      const live = await following;
      expect(live.map(({ seq: _, ...t }) => t)).toEqual([...old, tick('OLDFMT', 4), tick('OLDFMT', 5)]);
      // The old records keep the seq an earlier version gave them (their offsets): cursors it issued stay valid.
      expect(live.slice(0, 3).map((t) => t.seq)).toEqual([0, 1, 2]);
      expect(live.slice(3)).toEqual(appended);
      expect(appended.map((t) => t.seq)).toEqual([3 * SEQ_STRIDE, 3 * SEQ_STRIDE + 1]);
      expect(await stream.positions()).toEqual(new Map([[0, 4 * SEQ_STRIDE - 1]]));
      // The sink's consumer reads both formats alike.
      const runs = await consumeAll(5);
      expect(runs.flatMap((r) => r.ticks())).toEqual(live);
    });

    it('puts many ticks of one symbol in one record, and a consumer that knows nothing of marketgraph reads them as JSON rows', async () => {
      const ticks = Array.from({ length: 2 * MAX_TICKS_PER_RECORD + 10 }, (_, i) => tick(i % 2 ? 'ROWA' : 'ROWB', 100 + i));
      const runs = await stream.append(ticks);
      expect(runs.map((r) => r.count).sort((a, b) => a - b)).toEqual([5, 5, MAX_TICKS_PER_RECORD, MAX_TICKS_PER_RECORD]);
      // A plain consumer: split each value on newlines, parse each line.
      const consumer = kafka.consumer({ groupId: `plain-${run}` });
      const rows: TickInput[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          for (const line of message.value!.toString().split('\n')) {
            const row = JSON.parse(line) as TickInput;
            if (row.symbol.startsWith('ROW')) rows.push(row);
          }
        },
      });
      await until(async () => rows.length, (n) => n >= ticks.length, 20_000);
      await consumer.disconnect();
      for (const symbol of ['ROWA', 'ROWB']) expect(rows.filter((r) => r.symbol === symbol)).toEqual(ticks.filter((t) => t.symbol === symbol));
    });

    it("is read as rows by ClickHouse's Kafka table engine (JSONEachRow)", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'marketgraph-chdb-kafka-'));
      const session = new Session(dir);
      try {
        session.query(
          `CREATE TABLE from_kafka (symbol String, time UInt64, bid Float64, ask Float64, last Nullable(Float64), volume Nullable(Float64), flags Nullable(UInt32))
           ENGINE = Kafka SETTINGS kafka_broker_list = '${brokers}', kafka_topic_list = '${topic}', kafka_group_name = 'chdb-${run}', kafka_format = 'JSONEachRow'`,
        );
        const expected = 5 + 2 * MAX_TICKS_PER_RECORD + 10; // every tick of the tests above, both formats
        const rows: TickInput[] = [];
        // A direct SELECT reads what one poll brings and commits it; the group joins on the first.
        await until(
          async () => {
            const text = session.query('SELECT * FROM from_kafka SETTINGS stream_like_engine_allow_direct_select = 1', 'JSONEachRow');
            for (const line of text.split('\n').filter(Boolean)) rows.push(JSON.parse(line) as TickInput);
            return rows.length;
          },
          (n) => n >= expected,
          30_000,
        );
        expect(rows).toHaveLength(expected);
        const rowA = rows.filter((r) => r.symbol === 'ROWA').map((r) => ({ ...r, time: Number(r.time) }));
        expect(rowA.slice(0, 3)).toEqual([tick('ROWA', 101), tick('ROWA', 103), tick('ROWA', 105)]);
      } finally {
        session.cleanup?.();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
}
