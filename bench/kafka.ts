import { Kafka, logLevel } from 'kafkajs';
import { createTopicAndWait } from '../src/stores/stream/kafka-topics.js';
import { scaled } from './harness.js';
import { kafkajsClient, platformaticClient, type BenchClient, type Measured } from './kafka-clients.js';
import { PERF_TEST_BATCHED, producerPerfTest, type PerfTest } from './kafka-perf.js';
import { benchEncoding, makeTicks, PARTITIONS, toRecords, type TickRecord } from './kafka-records.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Issue 15's measurements for the Kafka path's design, against the broker named by
 * KAFKA_BROKERS (no gateway, nothing of src/ under test): the broker's own rate with Kafka's
 * producer perf test as the anchor, kafkajs against @platformatic/kafka producing and consuming
 * the same ticks as one record per tick (today's format) and as JSONEachRow records of 100 and
 * 1,000 ticks of one symbol, and the cost of that encoding in JavaScript.
 *
 * Environment: KAFKA_BROKERS (required); MG_CACHE_DIR (bench/kafka-perf.ts).
 */
const TICKS = scaled(300_000); // per record size, for every producer
const PER_RECORD = [1, 100, 1_000];
const ENCODING_TICKS = scaled(100_000);
// The perf test's clock includes its producer's start (metadata, producer id): with only the
// 300 records of 1,000 ticks it measured that start (about 1 s), not the broker. It sends at
// least this many bytes, and its rate is converted to ticks at the records' size.
const PERF_TEST_MIN_BYTES = scaled(192 * 2 ** 20);

const meanBytes = (records: readonly TickRecord[]) => Math.round(records.reduce((n, r) => n + Buffer.byteLength(r.value), 0) / records.length);

/** The perf test batched as the gateway's sends (the anchor), and with the Java producer's defaults. */
function anchorRows(label: string, batched: number, batchedPerf: PerfTest, defaults: number, defaultsPerf: PerfTest): Row[] {
  const row = { unit: 'ticks/s', target: 'report', pass: null };
  return [
    { ...row, scenario: `kafka: broker's own rate (producer perf test, ${PERF_TEST_BATCHED.join(' ')}), ${label}: ${Math.round(batchedPerf.recordsPerS).toLocaleString('en-US')} records/s, ${batchedPerf.mbPerS} MB/s`, figure: batched, baseline: null, baselineName: null, ratio: null },
    {
      ...row,
      scenario: `kafka:   same, the Java producer's defaults (batch.size 16 KiB, linger.ms 0): ${Math.round(defaultsPerf.recordsPerS).toLocaleString('en-US')} records/s, ${defaultsPerf.mbPerS} MB/s`,
      figure: defaults,
      baseline: batched,
      baselineName: 'batched',
      ratio: defaults / batched,
    },
  ];
}

function clientRows(client: BenchClient, label: string, produced: Measured, consumed: Measured, anchor: number): Row[] {
  const perS = (m: Measured) => m.ticks / m.seconds;
  const cpu = (m: Measured) => (m.cpuUs / m.ticks).toFixed(2);
  return [
    {
      scenario: `kafka: ${client.name} produce, ${label} (CPU ${cpu(produced)} µs/tick)`,
      figure: perS(produced),
      unit: 'ticks/s',
      baseline: anchor,
      baselineName: 'kafka-producer-perf-test, batched, same record size',
      ratio: perS(produced) / anchor,
      target: 'report',
      pass: null,
    },
    {
      scenario: `kafka: ${client.name} consume and decode, ${label} (CPU ${cpu(consumed)} µs/tick)`,
      figure: perS(consumed),
      unit: 'ticks/s',
      baseline: anchor,
      baselineName: 'kafka-producer-perf-test, batched, same record size',
      ratio: perS(consumed) / anchor,
      target: 'report',
      pass: null,
    },
  ];
}

export async function benchKafka(): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('the kafka scenario needs a broker: set KAFKA_BROKERS (bash .ci/services.sh start writes it)');
  const kafka = new Kafka({ clientId: 'marketgraph-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = `marketgraph-bench-${process.pid}-${Date.now()}`;
  const topics: string[] = [];
  const topic = async (name: string) => {
    topics.push(`${run}-${name}`);
    await createTopicAndWait(admin, { topic: topics.at(-1)!, numPartitions: PARTITIONS, replicationFactor: 1 });
    return topics.at(-1)!;
  };
  const clients = [kafkajsClient(brokers.split(',')), platformaticClient(brokers.split(','))];
  const rows: Row[] = [];
  const details: Record<string, unknown> = { ticks: TICKS, partitions: PARTITIONS, perRecord: {} };
  try {
    for (const perRecord of PER_RECORD) {
      const records = toRecords(makeTicks(TICKS), perRecord);
      const bytes = meanBytes(records);
      const label = perRecord === 1 ? `1 tick per record (${bytes} B)` : `${perRecord.toLocaleString('en-US')} ticks per record (${bytes.toLocaleString('en-US')} B)`;
      const perfRecords = Math.max(records.length, Math.ceil(PERF_TEST_MIN_BYTES / bytes));
      progress(`kafka: producer perf test, ${perfRecords.toLocaleString('en-US')} records of ${bytes} bytes, batched and with defaults`);
      const perf = await producerPerfTest(brokers, await topic(`perf-${perRecord}`), perfRecords, bytes, PERF_TEST_BATCHED);
      const perfDefaults = await producerPerfTest(brokers, await topic(`perf-defaults-${perRecord}`), perfRecords, bytes, []);
      const ticksPerS = (p: PerfTest) => (p.recordsPerS * TICKS) / records.length;
      rows.push(...anchorRows(label, ticksPerS(perf), perf, ticksPerS(perfDefaults), perfDefaults));
      const measured: Record<string, unknown> = { recordBytes: bytes, records: records.length, perfTest: { records: perfRecords, batched: perf, defaults: perfDefaults } };
      for (const client of clients) {
        const name = await topic(`${client.name.replace(/\W+/g, '-')}-${perRecord}`);
        progress(`kafka: ${client.name}, ${label}`);
        const produced = await client.produce(name, records);
        const consumed = await client.consume(name, TICKS);
        measured[client.name] = { produced, consumed };
        rows.push(...clientRows(client, label, produced, consumed, ticksPerS(perf)));
      }
      (details.perRecord as Record<string, unknown>)[perRecord] = measured;
    }
    progress('kafka: JSONEachRow encoding and decoding in JavaScript');
    rows.push(...benchEncoding(ENCODING_TICKS));
  } finally {
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
  return { rows, details };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, details } = await benchKafka();
  writeResults('kafka', rows, details);
  printTable(rows);
}
