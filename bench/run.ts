import { benchBatching } from './batching.js';
import { benchBridges } from './bridges.js';
import { benchColdStart } from './cold-start.js';
import { benchFanout } from './fanout.js';
import { benchImport } from './import.js';
import { benchIngest } from './ingest.js';
import { benchKafka } from './kafka.js';
import { benchQueries } from './queries.js';
import { benchSink } from './sink.js';
import { benchTracing } from './tracing.js';
import { machine, printTable, progress, writeResults, type Row } from './report.js';

/**
 * `npm run bench [-- [--profile] [scenario ...]]`: the scenarios of issue 7 in order, each with
 * its baseline measured in the same run, or only those named. Each writes
 * bench/results/<scenario>.json; one table of them all goes to stdout at the end. Timings live
 * here, never in `npm test`.
 *
 * Environment: BENCH_SCALE (0 < s <= 1) shrinks data and counts for debugging; BENCH_PROFILE=1
 * (or --profile) profiles the gateway (bench/profile.ts); BENCH_SERVERS set: the gateway uses
 * the servers named by POSTGRES_URL, CLICKHOUSE_URL, ... instead of embedded engines.
 */
const SCENARIOS: Record<string, () => Promise<Row[]>> = {
  async ingest() {
    const rows = await benchIngest();
    writeResults('ingest', rows);
    return rows;
  },
  async bridges() {
    const rows = await benchBridges();
    writeResults('bridges', rows);
    return rows;
  },
  async import() {
    const rows = await benchImport();
    writeResults('import', rows);
    return rows;
  },
  async kafka() {
    // Issue 15's measurements need a broker of their own choosing; without one there is nothing to measure.
    if (!process.env.KAFKA_BROKERS) return progress('kafka: skipped, KAFKA_BROKERS is not set (bash .ci/services.sh start)'), [];
    const { rows, details } = await benchKafka();
    writeResults('kafka', rows, details);
    return rows;
  },
  async sink() {
    const rows = await benchSink();
    writeResults('sink', rows);
    return rows;
  },
  queries: benchQueries,
  fanout: benchFanout,
  batching: benchBatching,
  'cold-start': benchColdStart,
  tracing: benchTracing,
};

const args = process.argv.slice(2);
if (args.includes('--profile')) process.env.BENCH_PROFILE = '1';
const named = args.filter((a) => a !== '--profile').map((a) => (a === 'coldstart' ? 'cold-start' : a));
const unknown = named.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; the scenarios are: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

progress(`machine: ${machine()}`);
const rows: Row[] = [];
const failed: string[] = [];
for (const [name, run] of Object.entries(SCENARIOS)) {
  if (named.length > 0 && !named.includes(name)) continue;
  const started = performance.now();
  try {
    rows.push(...(await run()));
    progress(`${name}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } catch (error) {
    // One scenario failing does not cost the others' figures.
    failed.push(name);
    progress(`${name}: FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}
printTable(rows);
if (failed.length > 0) {
  console.error(`scenarios that failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
