import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import { typeDefs } from '../src/graphql/schema.js';
import { DateTime } from '../src/graphql/datetime.js';
import { createNativeSpool, insertNative, NATIVE_FROM_ROWS } from '../src/stores/ticks/chdb-tick-store.js';
import { ticksToNative, ticksToTabSeparated } from '../src/stores/ticks/tick-rows.js';
import { TICK_COLUMNS, TICKS_TABLE } from '../src/stores/ticks/ticks-sql.js';
import type { StoredTick, TickInput } from '../src/stores/ticks/tick-store.js';
// The gateway under test runs in a process of its own: the load generator must not share its event loop.
import { spawnGateway } from '../test/helpers/process-gateway.js';
import { dataOf, discardChdb, gatewayEnv, graphqlClient, openTicksEngine, scaled } from './harness.js';
import { profiling } from './profile.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Scenario 1 of issue 7: insertTicks over HTTP, 4 concurrent clients, batches of 1,000, 10,000
 * and 100,000 ticks, against two baselines measured in the same run: graphql-js executing the
 * same mutation with a no-op resolver (what any graphql-js gateway pays), and chDB inserting the
 * same rows directly (the engine's own cost).
 */
const MUTATION = `mutation Insert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }`;
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const CLIENTS = 4;
const BATCHES = [1_000, 10_000, 100_000];
const TICKS_PER_SIZE = scaled(1_200_000); // per batch size, across all clients
const TARGET_TICKS_PER_S = 1_000_000;

let clock = Date.now() - 5 * 86_400_000; // every tick a new millisecond: nothing is a duplicate

/**
 * Each client is a bridge with instruments of its own (every CLIENTS-th symbol), sending its
 * ticks in time order, as MetaTrader bridges do. (Clients sending the same symbols with
 * interleaved times take the write path's checked branch: see README, What insertTicks guarantees.)
 */
function ticks(count: number, symbols: readonly string[] = SYMBOLS): TickInput[] {
  return Array.from({ length: count }, (_, i) => {
    const bid = 1 + (i % 1000) / 10_000;
    return { symbol: symbols[i % symbols.length]!, time: clock++, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6 };
  });
}

const body = (list: TickInput[]) => JSON.stringify({ query: MUTATION, variables: { ticks: list } });

async function gatewayIngest(url: string, batch: number): Promise<number> {
  const perClient = Math.max(1, Math.round(TICKS_PER_SIZE / batch / CLIENTS));
  // Bodies are built before the clock starts: the load generator's JSON is not the gateway's cost.
  const bodies = Array.from({ length: CLIENTS }, (_, c) => {
    const own = SYMBOLS.filter((_, i) => i % CLIENTS === c);
    return Array.from({ length: perClient }, () => body(ticks(batch, own)));
  });
  // Connections opened now: kept-alive ones from the previous batch size may have passed the
  // gateway's keep-alive timeout while the bodies above were built (they failed a request once).
  const client = graphqlClient(url, CLIENTS);
  const started = performance.now();
  let accepted = 0;
  try {
    await Promise.all(
      bodies.map(async (mine) => {
        for (const b of mine) {
          const res = await client.post(b);
          accepted += dataOf<{ insertTicks: { accepted: number } }>(res).insertTicks.accepted;
        }
      }),
    );
  } finally {
    client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (accepted !== CLIENTS * perClient * batch) throw new Error(`accepted ${accepted} of ${CLIENTS * perClient * batch}`);
  return accepted / seconds;
}

/** graphql-js coercing the same variables and calling a resolver that does nothing. */
function graphqlJsBaseline(batch: number): number {
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: { DateTime, Mutation: { insertTicks: () => ({ accepted: 0, duplicates: 0, rejected: [] }) } } as never,
  });
  const document = parse(MUTATION);
  const variables = Array.from({ length: 5 }, () => JSON.parse(body(ticks(batch))).variables);
  execute({ schema, document, variableValues: variables[0] }); // warm-up
  const started = performance.now();
  for (const v of variables) execute({ schema, document, variableValues: v });
  return (variables.length * batch) / ((performance.now() - started) / 1000);
}

/**
 * chDB alone inserting the same rows as the gateway gets for this batch size (TICKS_PER_SIZE,
 * in inserts of `batch` rows, one after another), bodies written beforehand: in Native format
 * through a file, the way the embedded tick store does, and in TabSeparated through chDB's insert
 * call (the same table, each format in a fresh engine). Sustained: as many inserts as the
 * gateway's run makes, so the engine's background merges run during it as they do during the
 * gateway's (5 inserts measured a burst before any merge: 3.7 M rows/s at 100,000 rows). One
 * at a time, as the gateway's group commits run (chDB also runs bound queries one at a time per
 * process). `engineUsPerRow`: CPU of every thread but JavaScript's, per row (threadCpuMs).
 */
async function chdbBaseline(batch: number, format: 'Native' | 'TabSeparated'): Promise<{ rowsPerS: number; engineUsPerRow: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-chdb-'));
  const session = await openTicksEngine(dir);
  const spool = createNativeSpool();
  try {
    const encode = format === 'Native' ? ticksToNative : ticksToTabSeparated;
    const insert =
      format === 'Native'
        ? (body: Buffer) => insertNative(session, spool, body)
        : (body: Buffer) => session.insert({ table: TICKS_TABLE, columns: TICK_COLUMNS, values: body, format: 'TabSeparated' });
    const inserts = Math.max(5, Math.round(TICKS_PER_SIZE / batch));
    const rows = Array.from({ length: inserts + 1 }, () => encode(ticks(batch).map((t, i): StoredTick => ({ ...t, seq: i }))));
    await insert(rows.pop()!); // warm-up
    const cpuBefore = threadCpuMs(process.pid);
    const started = performance.now();
    for (const r of rows) await insert(r);
    const seconds = (performance.now() - started) / 1000;
    const engineMs = threadCpuMs(process.pid).engine - cpuBefore.engine;
    return { rowsPerS: (inserts * batch) / seconds, engineUsPerRow: (engineMs * 1000) / (inserts * batch) };
  } finally {
    spool.remove();
    await discardChdb(session, dir, TICKS_TABLE);
  }
}

/**
 * CPU a process's threads have used so far, ms, in two parts: `js`, its JavaScript (the main
 * thread, and V8's helper threads: garbage collection, compilation), and `engine`, every other
 * thread: chDB's own pools and the libuv pool its queries run on (which also writes the Native
 * spool file). Linux /proc, in clock ticks of 10 ms.
 */
function threadCpuMs(pid: number): { js: number; engine: number } {
  const cpu = { js: 0, engine: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    if (name === 'MainThread' || name.startsWith('V8')) cpu.js += ms;
    else cpu.engine += ms;
  }
  return cpu;
}

export async function benchIngest(): Promise<Row[]> {
  progress('ingest: starting the gateway');
  const profile = profiling('ingest');
  // SLOW_STORE_OP_MS: a benchmark's large inserts are slow by design; their logs would only be noise.
  // With Kafka, appending a 100,000-tick batch takes seconds (kafkajs encodes each message in
  // JavaScript), and four of them at once pass the 5 s default store timeout: a run against
  // servers allows 30 s, and the README says so.
  const timeout: Record<string, string> = process.env.BENCH_SERVERS ? { STORE_TIMEOUT_MS: '30000' } : {};
  const gateway = await spawnGateway(gatewayEnv({ BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000', ...timeout }), 60_000, profile.nodeArgs);
  const rows: Row[] = [];
  try {
    const upsert = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;
    const instruments = SYMBOLS.map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5 }));
    await gateway.gql(upsert, { i: instruments });
    for (const batch of BATCHES) {
      progress(`ingest: baselines for batches of ${batch.toLocaleString('en-US')}`);
      const graphqlJs = graphqlJsBaseline(batch);
      const { rowsPerS: chdb, engineUsPerRow: chdbUs } = await chdbBaseline(batch, 'Native');
      const { rowsPerS: chdbText, engineUsPerRow: chdbTextUs } = await chdbBaseline(batch, 'TabSeparated');
      const storeFormat = batch >= NATIVE_FROM_ROWS ? 'Native' : 'TabSeparated';
      progress(`ingest: ${CLIENTS} clients sending batches of ${batch.toLocaleString('en-US')} over HTTP`);
      const cpuBefore = threadCpuMs(gateway.child.pid!);
      const figure = await gatewayIngest(gateway.url, batch);
      const cpu = threadCpuMs(gateway.child.pid!);
      const sent = CLIENTS * Math.max(1, Math.round(TICKS_PER_SIZE / batch / CLIENTS)) * batch;
      const [jsUs, engineUs] = [(cpu.js - cpuBefore.js) / sent, (cpu.engine - cpuBefore.engine) / sent].map((ms) => ms * 1000) as [number, number];
      rows.push(
        {
          scenario: `ingest ${batch.toLocaleString('en-US')}-tick batches, ${CLIENTS} clients`,
          figure,
          unit: 'ticks/s',
          baseline: graphqlJs,
          baselineName: 'graphql-js execute, no-op resolver',
          ratio: figure / graphqlJs,
          target: '>= 1,000,000 ticks/s and >= 3x graphql-js',
          pass: figure >= TARGET_TICKS_PER_S && figure / graphqlJs >= 3,
        },
        {
          scenario: `  same, against the engine's own insert`,
          figure,
          unit: 'ticks/s',
          baseline: storeFormat === 'Native' ? chdb : chdbText,
          baselineName: `chDB insert, ${storeFormat} (as the store inserts this many rows)`,
          ratio: figure / (storeFormat === 'Native' ? chdb : chdbText),
          target: '>= 0.9x (issue 15)',
          pass: figure / (storeFormat === 'Native' ? chdb : chdbText) >= 0.9,
        },
        {
          scenario: `  the engine's insert: Native against TabSeparated (the store's only format before)`,
          figure: chdb,
          unit: 'rows/s',
          baseline: chdbText,
          baselineName: 'chDB insert, TabSeparated',
          ratio: chdb / chdbText,
          target: 'report',
          pass: null,
        },
        {
          scenario: `  the gateway's CPU per tick outside the engine (JavaScript and GC threads)`,
          figure: jsUs,
          unit: 'µs',
          baseline: engineUs,
          baselineName: "the engine's threads in the gateway, per tick",
          ratio: jsUs / engineUs,
          target: '< 1 µs',
          pass: jsUs < 1,
        },
        {
          scenario: `  the engine's CPU per row alone (chDB insert, ${storeFormat})`,
          figure: storeFormat === 'Native' ? chdbUs : chdbTextUs,
          unit: 'µs',
          baseline: null,
          baselineName: null,
          ratio: null,
          target: 'report',
          pass: null,
        },
      );
    }
  } catch (error) {
    progress(`ingest: the gateway's last log lines:\n${gateway.logs.slice(-15).join('\n')}`);
    throw error;
  } finally {
    await gateway.stop();
    profile.summarize();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchIngest();
  writeResults('ingest', rows);
  printTable(rows);
}
