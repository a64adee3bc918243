import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaTickStream } from '../../src/stores/stream/kafka-tick-stream.js';
import { MAX_TICKS_PER_RECORD, positionAfter, SEQ_STRIDE, toRecords, type RecordFormat } from '../../src/stores/stream/tick-records.js';
import type { DurableTickStream, TickRun, UnreadableRecord } from '../../src/stores/stream/tick-stream.js';
import type { StoredTick, TickInput } from '../../src/stores/ticks/tick-store.js';
import { until } from '../helpers/until.js';

/**
 * The log's record formats (src/stores/stream/tick-records.ts) as other programs see them:
 * records written by earlier versions (format 1, one JSON tick each; format 2, JSONEachRow runs)
 * are still read, with the seq they had; the records written now (format 3, RowBinary runs) are
 * read as rows by ClickHouse's own Kafka table engine (in chDB, ClickHouse in-process), and with
 * KAFKA_RECORD_FORMAT=json by a consumer that knows nothing of marketgraph and by the engine.
 */
/** A row as ClickHouse prints it in JSONEachRow. */
type Row = Omit<TickInput, 'time'> & { time: unknown };

const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  describe.skip('Kafka record format (KAFKA_BROKERS not set)', () => {});
} else {
  describe('Kafka record format', () => {
    const run = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
    const kafka = new Kafka({ clientId: `records-${run}`, brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const topics = { upgrade: `records-upgrade-${run}`, rows: `records-rows-${run}`, json: `records-json-${run}`, unreadable: `records-unreadable-${run}`, restart: `records-restart-${run}` };
    const streams = new Map<string, DurableTickStream>();
    const open = async (topic: string, recordFormat?: RecordFormat) => {
      const stream = createKafkaTickStream({ brokers: brokers.split(','), topic, partitions: 1, replicationFactor: 1, clientId: `records-${run}`, requestTimeoutMs: 10_000, sinkMinBytes: 1, sinkMaxWaitMs: 100, recordFormat });
      await stream.start();
      streams.set(topic, stream);
      return stream;
    };
    const t0 = Date.UTC(2026, 0, 5, 9);
    const tick = (symbol: string, i: number): TickInput => ({ symbol, time: t0 + i, bid: 1 + i / 1e5, ask: 1.0002 + i / 1e5, last: i % 2 ? 1.0001 : null, volume: i % 3 ? 2.5 : null, flags: i % 4 ? 6 : null });
    const follow = async (stream: DurableTickStream, count: number): Promise<StoredTick[]> => {
      const got: StoredTick[] = [];
      const off = stream.follow((runs: readonly TickRun[]) => got.push(...runs.flatMap((r) => r.ticks())));
      await until(async () => got.length, (n) => n >= count, 20_000);
      off();
      return got;
    };
    /** Every record of the topic from the start, as a consumer group reading it sees them. */
    const consumeAll = async (stream: DurableTickStream, count: number): Promise<TickRun[]> => {
      const runs: TickRun[] = [];
      await stream.consume(`records-sink-${run}-${Math.random()}`, async (batch) => void runs.push(...batch));
      await until(async () => runs.reduce((n, r) => n + r.count, 0), (n) => n >= count, 20_000);
      return runs;
    };
    // One chDB session for the file: chDB runs one engine per process, which its cleanup shuts down.
    const chdbDir = mkdtempSync(join(tmpdir(), 'marketgraph-chdb-kafka-'));
    let session: Session | undefined;
    /** Every row ClickHouse's Kafka table engine reads from `topic` with `format`, once `expected` came. */
    const readByClickHouse = async (topic: string, format: string, columns: string, expected: number): Promise<Row[]> => {
      session ??= new Session(chdbDir);
      const table = `from_${format.toLowerCase()}`;
      session.query(
        `CREATE TABLE ${table} (${columns})
         ENGINE = Kafka SETTINGS kafka_broker_list = '${brokers}', kafka_topic_list = '${topic}', kafka_group_name = 'chdb-${topic}', kafka_format = '${format}'`,
      );
      const rows: Row[] = [];
      // A direct SELECT reads what one poll brings and commits it; the group joins on the first.
      await until(
        async () => {
          const text = session!.query(`SELECT * FROM ${table} SETTINGS stream_like_engine_allow_direct_select = 1`, 'JSONEachRow');
          for (const line of text.split('\n').filter(Boolean)) rows.push(JSON.parse(line) as Row);
          return rows.length;
        },
        (n) => n >= expected,
        30_000,
      );
      session.query(`DROP TABLE ${table}`);
      return rows;
    };

    afterAll(async () => {
      for (const stream of streams.values()) await stream.close();
      session?.cleanup?.();
      rmSync(chdbDir, { recursive: true, force: true });
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.disconnect();
    });

    it('reads records earlier versions wrote (format 1: one tick each, seq the offset; format 2: JSON runs), then the new ones, with seq growing across both changes', async () => {
      const stream = await open(topics.upgrade);
      // Format 1, as kafka-tick-stream.ts wrote it before issue 15: a tick's JSON, keyed by symbol, no header.
      const producer = kafka.producer();
      await producer.connect();
      const old = [tick('OLDFMT', 1), tick('OLDFMT', 2), tick('OLDFMT', 3)];
      const following = follow(stream, old.length + 4);
      await producer.send({ topic: topics.upgrade, acks: -1, messages: old.map((t) => ({ key: t.symbol, value: JSON.stringify(t) })) });
      // Format 2, as the version before RowBinary wrote it (and KAFKA_RECORD_FORMAT=json still does).
      const json = [tick('OLDFMT', 4), tick('OLDFMT', 5)];
      await producer.send({ topic: topics.upgrade, acks: -1, messages: toRecords(json, 'json').map((r) => ({ key: r.symbol, value: r.value, headers: r.headers })) });
      await producer.disconnect();
      const appended = (await stream.append([tick('OLDFMT', 6), tick('OLDFMT', 7)])).flatMap((r) => r.ticks());
      const live = await following;
      expect(live.map(({ seq: _, ...t }) => t)).toEqual([...old, ...json, tick('OLDFMT', 6), tick('OLDFMT', 7)]);
      // The old records keep the seq an earlier version gave them: cursors it issued stay valid.
      expect(live.map((t) => t.seq)).toEqual([0, 1, 2, 3 * SEQ_STRIDE, 3 * SEQ_STRIDE + 1, 4 * SEQ_STRIDE, 4 * SEQ_STRIDE + 1]);
      expect(live.slice(5)).toEqual(appended);
      expect(await stream.positions()).toEqual(new Map([[0, 5 * SEQ_STRIDE - 1]]));
      // The sink's consumer reads every format alike.
      const runs = await consumeAll(stream, 7);
      expect(runs.flatMap((r) => r.ticks())).toEqual(live);
    });

    it("puts many ticks of one symbol in one RowBinary record, read as rows by ClickHouse's Kafka table engine", async () => {
      const stream = await open(topics.rows);
      const ticks = Array.from({ length: 2 * MAX_TICKS_PER_RECORD + 10 }, (_, i) => tick(i % 2 ? 'ROWA' : 'ROWB', 100 + i));
      const runs = await stream.append(ticks);
      expect(runs.map((r) => r.count).sort((a, b) => a - b)).toEqual([5, 5, MAX_TICKS_PER_RECORD, MAX_TICKS_PER_RECORD]);
      // The structure the README documents for format 3.
      const columns = "symbol String, time DateTime64(3, 'UTC'), bid Float64, ask Float64, last Nullable(Float64), volume Nullable(Float64), flags Nullable(UInt32)";
      const rows = await readByClickHouse(topics.rows, 'RowBinary', columns, ticks.length);
      expect(rows).toHaveLength(ticks.length);
      // DateTime64 comes back as text in UTC: compared as epoch milliseconds.
      const read = rows.map((r) => ({ ...r, time: Date.parse(`${String(r.time).replace(' ', 'T')}Z`) }));
      for (const symbol of ['ROWA', 'ROWB']) expect(read.filter((r) => r.symbol === symbol)).toEqual(ticks.filter((t) => t.symbol === symbol));
    }, 60_000);

    it("with KAFKA_RECORD_FORMAT=json, writes JSON rows that a consumer knowing nothing of marketgraph and ClickHouse's Kafka table engine read", async () => {
      const stream = await open(topics.json, 'json');
      const ticks = Array.from({ length: 2 * MAX_TICKS_PER_RECORD + 10 }, (_, i) => tick(i % 2 ? 'ROWA' : 'ROWB', 100 + i));
      const runs = await stream.append(ticks);
      expect(runs.map((r) => r.count).sort((a, b) => a - b)).toEqual([5, 5, MAX_TICKS_PER_RECORD, MAX_TICKS_PER_RECORD]);
      // A plain consumer: split each value on newlines, parse each line.
      const consumer = kafka.consumer({ groupId: `plain-${run}` });
      const rows: TickInput[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: topics.json, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          for (const line of message.value!.toString().split('\n')) rows.push(JSON.parse(line) as TickInput);
        },
      });
      await until(async () => rows.length, (n) => n >= ticks.length, 20_000);
      await consumer.disconnect();
      for (const symbol of ['ROWA', 'ROWB']) expect(rows.filter((r) => r.symbol === symbol)).toEqual(ticks.filter((t) => t.symbol === symbol));
      const columns = 'symbol String, time UInt64, bid Float64, ask Float64, last Nullable(Float64), volume Nullable(Float64), flags Nullable(UInt32)';
      const fromClickHouse = (await readByClickHouse(topics.json, 'JSONEachRow', columns, ticks.length)).map((r) => ({ ...r, time: Number(r.time) }));
      for (const symbol of ['ROWA', 'ROWB']) expect(fromClickHouse.filter((r) => r.symbol === symbol)).toEqual(ticks.filter((t) => t.symbol === symbol));
    }, 60_000);

    it('passes over a record no version reads (live feed and sink alike, saying why), and stops the sink at a record a later version wrote, after storing what came before', async () => {
      // On a version without these checks, the first such record stopped the partition's live
      // feed and its sink for good, silently: every later tick was acknowledged and never stored.
      const topic = topics.unreadable;
      const stream = await open(topic);
      const live: StoredTick[] = [];
      const liveTold: UnreadableRecord[] = [];
      const off = stream.follow((runs) => live.push(...runs.flatMap((r) => r.ticks())), (record) => liveTold.push(record));
      const producer = kafka.producer();
      await producer.connect();
      const raw = (value: Buffer | string, headers: Record<string, string> = {}) => producer.send({ topic, acks: -1, messages: [{ key: 'UNREAD', value, headers }] });
      const [rows] = toRecords([tick('UNREAD', 9)]);
      const [json] = toRecords([tick('UNREAD', 9)], 'json');
      await stream.append([tick('UNREAD', 1)]); // offset 0
      await raw('not a tick'); // 1: no header, not JSON
      await raw(rows!.value.subarray(0, rows!.value.length - 3), rows!.headers); // 2: rows cut short
      await raw(json!.value.toString().replace(/"bid":[^,]+/, '"bid":"1.1"'), json!.headers); // 3: a JSON row that is not a tick
      await stream.append([tick('UNREAD', 2)]); // 4
      await raw(rows!.value, { ...rows!.headers, 'marketgraph-format': '9' }); // 5: a later version's
      await stream.append([tick('UNREAD', 3)]); // 6
      await producer.disconnect();
      await until(async () => live.length, (n) => n >= 3, 20_000);
      off();
      expect(live.map((t) => [t.time, t.seq])).toEqual([[tick('', 1).time, 0], [tick('', 2).time, 4 * SEQ_STRIDE], [tick('', 3).time, 6 * SEQ_STRIDE]]);
      expect(liveTold.map((r) => [r.offset, r.newer, r.skipped])).toEqual([[1, false, true], [2, false, true], [3, false, true], [5, true, true]]);
      expect(liveTold.map((r) => r.reason)).toEqual([
        expect.stringMatching(/no marketgraph-format header and is not one JSON tick|JSON/),
        expect.stringMatching(/a row ends 3 bytes past the record/),
        expect.stringMatching(/bid is not a finite number/),
        expect.stringMatching(/marketgraph-format 9, which this version does not read/),
      ]);
      // The sink: past the junk, up to the later version's record, and no further.
      const group = `records-unreadable-sink-${run}`;
      const handed: number[] = [];
      const sinkTold: UnreadableRecord[] = [];
      await stream.consume(group, async (batch) => void handed.push(...batch.flatMap((r) => r.ticks()).map((t) => t.seq)), { unreadable: (record) => sinkTold.push(record) });
      await until(async () => sinkTold.length, (n) => n >= 4, 20_000);
      expect(sinkTold.map((r) => [r.offset, r.newer, r.skipped])).toEqual([[1, false, true], [2, false, true], [3, false, true], [5, true, false]]);
      // Committed up to the record it stopped at: the member that takes the partition next starts there.
      expect(await until(async () => (await stream.positions(group)).get(0), (seq) => seq === positionAfter(4), 20_000)).toBe(positionAfter(4));
      await new Promise((r) => setTimeout(r, 1_500)); // fetches the paused partition would have made
      expect(handed).toEqual([0, 4 * SEQ_STRIDE]);
      expect((await stream.positions(group)).get(0)).toBe(positionAfter(4));
    }, 60_000);

    it('hands the live feed the records appended while its consumer started again after a crash, not only the ones after', async () => {
      // A consumer whose batch keeps failing (here its listener; in production a broker away for
      // longer than the retries) is started again by kafkajs and joins its group again. With
      // nothing committed it then starts where the log ends: the record it was handed, and any
      // appended meanwhile, reached no subscriber of this process.
      const stream = await open(topics.restart);
      const live: number[] = [];
      let failures = 0;
      stream.follow((runs) => {
        if (failures < 4) {
          failures++; // each of the consumer's attempts at the batch (kafkajs: one and 3 retries), then it crashes
          throw new Error('listener failed');
        }
        live.push(...runs.flatMap((r) => r.ticks().map((t) => t.time)));
      });
      await stream.append([tick('RESTART', 1)]);
      expect(await until(async () => live.length, (n) => n >= 1, 30_000)).toBe(1);
      await stream.append([tick('RESTART', 2)]);
      await until(async () => live.length, (n) => n >= 2, 20_000);
      expect(live).toEqual([tick('', 1).time, tick('', 2).time]);
      expect(failures).toBe(4);
    }, 60_000);
  });
}
