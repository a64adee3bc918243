import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Kafka's own producer perf test (`kafka-producer-perf-test.sh` is this class), run from the
 * Kafka libs CI downloads: the broker's rate from a client written for it, on this machine. Used
 * by bench/kafka.ts (the design's anchor) and bench/ingest-kafka.ts (the gateway's anchor).
 *
 * Environment: MG_CACHE_DIR: where .ci/services.sh keeps Kafka's jars (default /var/cache/marketgraph-ci).
 */
const execFileAsync = promisify(execFile);

// The Java producer batching as the gateway's sends do (up to 768 KiB per partition,
// kafka-tick-stream.ts), waiting up to 5 ms to fill a batch. With its defaults (batch.size 16 KiB,
// linger.ms 0) it sent fewer records/s than the JavaScript clients in a first run (100,006
// one-tick records/s): that is the defaults' limit, not the broker's.
export const PERF_TEST_BATCHED = ['batch.size=786432', 'linger.ms=5'];

export interface PerfTest {
  recordsPerS: number;
  mbPerS: number;
}

/**
 * `records` records of `size` bytes (the value; the perf test sends no key) with acks=all
 * (idempotence is on by default in the Java client), plus `props`.
 */
export async function producerPerfTest(brokers: string, topic: string, records: number, size: number, props: readonly string[]): Promise<PerfTest> {
  const libs = `${process.env.MG_CACHE_DIR ?? '/var/cache/marketgraph-ci'}/kafka-libs`;
  const args = ['-Xmx512m', '-cp', `${libs}/*`, 'org.apache.kafka.tools.ProducerPerformance'];
  args.push('--topic', topic, '--num-records', String(records), '--record-size', String(size), '--throughput', '-1');
  args.push('--producer-props', `bootstrap.servers=${brokers}`, 'acks=all', ...props);
  const { stdout } = await execFileAsync('java', args, { maxBuffer: 16 * 2 ** 20 });
  // A line every 5 s, then the whole run's: "691844 records sent, 80493.8 records/sec (7.45 MB/sec), ..."
  const match = [...stdout.matchAll(/(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/g)].at(-1);
  if (!match || Number(match[1]) !== records) throw new Error(`producer perf test: unexpected output: ${stdout.slice(-500)}`);
  return { recordsPerS: Number(match[2]), mbPerS: Number(match[3]) };
}
