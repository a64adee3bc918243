import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_FROM_ROWS } from '../src/stores/ticks/chdb-tick-store.js';
import { TICKS_TABLE } from '../src/stores/ticks/ticks-sql.js';
import type { TickInput } from '../src/stores/ticks/tick-store.js';
// The gateway under test runs in a process of its own: the load generator must not share its event loop.
import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { dataOf, embeddedEnv, gatewayEnv, graphqlClient, median, scaled, settle, sleep, storedTicks } from './harness.js';
import { chdbBaseline, graphqlJsBaseline, threadCpuMs, type Baseline } from './ingest-baselines.js';
import { inMemoryTmp } from '../src/stores/ticks/in-memory-tmp.js';
import { partFilesCost } from '../src/stores/ticks/part-files-cost.js';
import { benchHttpSink } from './ingest-http-sink.js';
import { anchorRows, catchUpRow, watchTopic, type GatewayTopic, type Phase } from './ingest-kafka.js';
import { body, CLIENTS, sendLoad, upsertInstruments, type Load } from './ingest-load.js';
import { benchShapes } from './ingest-shapes.js';
import { profiling } from './profile.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Scenario 1 of issue 7: insertTicks over HTTP, 4 concurrent clients, batches of 1,000, 10,000
 * and 100,000 ticks, against two baselines measured in the same run: graphql-js executing the
 * same mutation with a no-op resolver (what any graphql-js gateway pays), and chDB inserting the
 * same rows directly (the engine's own cost). Issue 15 adds one 100,000-tick append alone, the
 * shapes bridges send (bench/ingest-shapes.ts), a count of the rows stored against the ticks
 * accepted, and with BENCH_SERVERS the sink's catch-up and the broker's own rate
 * (bench/ingest-kafka.ts) and the sink into the ClickHouse HTTP fixture (bench/ingest-http-sink.ts).
 */
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const BATCHES = [1_000, 10_000, 100_000];
const TICKS_PER_SIZE = scaled(1_200_000); // per batch size, across all clients
const TARGET_TICKS_PER_S = 1_000_000;

let clock = Date.now() - 5 * 86_400_000; // every tick a new millisecond: nothing is a duplicate

/**
 * Each client is a bridge with instruments of its own (every CLIENTS-th symbol), sending its
 * ticks in time order, as MetaTrader bridges do. (The other shapes bridges send, interleaved times and
 * backfills among them, are bench/ingest-shapes.ts.)
 */
function ticks(count: number, symbols: readonly string[] = SYMBOLS): TickInput[] {
  return Array.from({ length: count }, (_, i) => {
    const bid = 1 + (i % 1000) / 10_000;
    return { symbol: symbols[i % symbols.length]!, time: clock++, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6 };
  });
}

/**
 * The timed load of one batch size against `gateway`, once it and this process are idle, with
 * the gateway's CPU per tick over it (threadCpuMs: its JavaScript, the engine's threads).
 */
async function timedIngest(gateway: GatewayProcess, batch: number, label: string): Promise<{ load: Load; cpu: CpuPerTick }> {
  let cpuBefore = threadCpuMs(gateway.child.pid!);
  const load = await gatewayIngest(gateway.url, batch, async () => {
    await quiet(gateway, label);
    cpuBefore = threadCpuMs(gateway.child.pid!); // once idle: the CPU counted is the load's
  });
  const cpuAfter = threadCpuMs(gateway.child.pid!);
  const perTick = (ms: number) => (ms * 1000) / load.accepted;
  const cpu = { jsUs: perTick(cpuAfter.js - cpuBefore.js), engineUs: perTick(cpuAfter.engine - cpuBefore.engine), engineKernelUs: perTick(cpuAfter.engineKernel - cpuBefore.engineKernel) };
  return { load, cpu };
}

/**
 * CLIENTS clients sending `total` ticks in batches of `batch`. `settled` runs once the bodies
 * are built, before the clock starts.
 */
async function gatewayIngest(url: string, batch: number, settled: () => Promise<unknown>, total = TICKS_PER_SIZE): Promise<Load> {
  const perClient = Math.max(1, Math.round(total / batch / CLIENTS));
  // Bodies are built before the clock starts: the load generator's JSON is not the gateway's cost.
  const bodies = Array.from({ length: CLIENTS }, (_, c) => {
    const own = SYMBOLS.filter((_, i) => i % CLIENTS === c);
    return Array.from({ length: perClient }, () => body(ticks(batch, own)));
  });
  await settled();
  return sendLoad(url, bodies, CLIENTS * perClient * batch);
}

// Before anything is timed: the gateway's code compiled and its heap grown, as the baselines
// get a warm-up insert or execute of their own (the 1,000-tick row was otherwise the gateway's
// first load after its start).
const WARM_UP_TICKS = scaled(200_000);

/**
 * Waits until the gateway and this process are idle (bench/harness.ts settle): the engine's
 * merges of the load before, and this process's chDB baseline, do not run during what is timed
 * next. The shapes wait the same way.
 */
const quiet = (gateway: GatewayProcess, label: string) => settle([gateway.child.pid!, process.pid], label, 0.05, 20_000);

const APPEND_TICKS = 100_000;
const APPENDS = 3;

/** One 100,000-tick batch at a time, nothing else in flight: its answered time, three times. */
async function appendLatency(url: string): Promise<{ ms: number[]; accepted: number }> {
  const bodies = Array.from({ length: APPENDS }, () => body(ticks(APPEND_TICKS)));
  const client = graphqlClient(url, 1);
  const ms: number[] = [];
  let accepted = 0;
  try {
    for (const b of bodies) {
      const res = await client.post(b);
      accepted += dataOf<{ insertTicks: { accepted: number } }>(res).insertTicks.accepted;
      ms.push(res.ms);
    }
  } finally {
    client.close();
  }
  if (accepted !== APPENDS * APPEND_TICKS) throw new Error(`accepted ${accepted} of ${APPENDS * APPEND_TICKS}`);
  return { ms, accepted };
}

const IDLE_MS = 5_000;

/**
 * A gateway's JavaScript threads' CPU (threadCpuMs: the main thread and V8's) while nothing is
 * sent, in % of a core over IDLE_MS: what a gateway costs between bursts. The engine's threads
 * are left out, as its merges of the loads before may still run.
 */
async function idleShare(gateway: GatewayProcess): Promise<number> {
  await sleep(2_000); // what the last load left: answers written, a collection
  const before = threadCpuMs(gateway.child.pid!).js;
  await sleep(IDLE_MS);
  return ((threadCpuMs(gateway.child.pid!).js - before) / IDLE_MS) * 100;
}

function idleRow(label: string, share: number, embedded?: number): Row {
  return {
    scenario: `${label} gateway idle after the loads: its JavaScript threads' CPU over ${IDLE_MS / 1000} s with nothing sent`,
    figure: share,
    unit: '% of a core',
    baseline: embedded ?? null,
    baselineName: embedded === undefined ? null : 'the embedded gateway, the same way',
    ratio: embedded === undefined ? null : share / embedded,
    target: 'report',
    pass: null,
  };
}

// V8 prints each full collection's start and its reason (issue 15: most were started for memory
// outside its heap, the Buffers of request and insert bodies, until src/http/body-buffers.ts).
const GC_TRACE = ['--trace-incremental-marking'];
const GC_START = /\[IncrementalMarking\] Start \(([^)]*)\)/;

/**
 * Full collections started over the gateway's run, from its log lines once it has exited (V8
 * prints them to a piped stdout in blocks, so lines cannot be told apart by load while it runs).
 */
function collections(gateway: GatewayProcess): { all: number; external: number } {
  let all = 0;
  let external = 0;
  for (const line of gateway.logs) {
    const reason = GC_START.exec(line)?.[1];
    if (reason === undefined) continue;
    all++;
    if (reason === 'external memory pressure') external++;
  }
  return { all, external };
}

function collectionsRow(started: { all: number; external: number }, ticks: number): Row {
  const perMillion = (n: number) => (n * 1e6) / ticks;
  return {
    scenario: `full collections V8 started over the gateway's run, per million ticks accepted: for memory outside its heap (Buffers) / all`,
    figure: perMillion(started.external),
    unit: 'per M ticks',
    baseline: perMillion(started.all),
    baselineName: 'all full collections started',
    ratio: started.all === 0 ? null : started.external / started.all,
    target: 'report',
    pass: null,
  };
}

/** The gateway's CPU per tick during a load, split as threadCpuMs splits it. */
interface CpuPerTick {
  jsUs: number;
  engineUs: number;
  engineKernelUs: number;
}

/** chDB alone, in the same run: in each format (ChdbFormat). */
interface EngineBaselines {
  chdb: Baseline;
  chdbText: Baseline;
  chdbJson: Baseline;
}

function rowsOfBatch(label: string, batch: number, figure: number, graphqlJs: number, { chdb, chdbText, chdbJson }: EngineBaselines, cpu: CpuPerTick): Row[] {
  const storeFormat = batch >= NATIVE_FROM_ROWS ? 'Native' : 'TabSeparated';
  const engine = storeFormat === 'Native' ? chdb : chdbText;
  return [
    {
      scenario: label,
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
      baseline: engine.rowsPerS,
      baselineName: `chDB insert, ${storeFormat} (as the store inserts this many rows), sustained`,
      ratio: figure / engine.rowsPerS,
      target: '>= 0.9x (issue 15)',
      pass: figure / engine.rowsPerS >= 0.9,
    },
    {
      // Like for like: the engine reading the ticks as the bridges' JSON, where the row above
      // hands it a binary body no bridge sends.
      scenario: `  same, against the engine's own insert of the ticks as JSON lines (JSONEachRow, the bridges' own text)`,
      figure,
      unit: 'ticks/s',
      baseline: chdbJson.rowsPerS,
      baselineName: 'chDB insert, JSONEachRow, sustained',
      ratio: figure / chdbJson.rowsPerS,
      target: 'report',
      pass: null,
    },
    {
      scenario: `  the engine's insert: Native against TabSeparated (the store's only format before)`,
      figure: chdb.rowsPerS,
      unit: 'rows/s',
      baseline: chdbText.rowsPerS,
      baselineName: 'chDB insert, TabSeparated',
      ratio: chdb.rowsPerS / chdbText.rowsPerS,
      target: 'report',
      pass: null,
    },
    {
      scenario: `  the gateway's CPU per tick outside the engine (JavaScript and GC threads)`,
      figure: cpu.jsUs,
      unit: 'µs',
      baseline: cpu.engineUs,
      baselineName: "the engine's threads in the gateway, per tick",
      ratio: cpu.jsUs / cpu.engineUs,
      target: '< 1 µs',
      pass: cpu.jsUs < 1,
    },
    {
      scenario: `  the engine's threads in the gateway, per tick: in the kernel, of all`,
      figure: cpu.engineKernelUs,
      unit: 'µs',
      baseline: cpu.engineUs,
      baselineName: "the engine's threads in the gateway, per tick",
      ratio: cpu.engineKernelUs / cpu.engineUs,
      target: 'report',
      pass: null,
    },
    {
      scenario: `  the engine's CPU per row alone (chDB insert, ${storeFormat}): in the kernel, of all`,
      figure: engine.engineKernelUsPerRow,
      unit: 'µs',
      baseline: engine.engineUsPerRow,
      baselineName: "the engine's CPU per row alone",
      ratio: engine.engineKernelUsPerRow / engine.engineUsPerRow,
      target: 'report',
      pass: null,
    },
  ];
}

/**
 * The main rows (batch sizes against the baselines), one 100,000-tick append alone, the shapes
 * bridges send, and whether every accepted tick was stored once. With BENCH_SERVERS, also after
 * each load the sink's time to catch up, the broker's own rate as the anchor, and the sink into
 * the ClickHouse HTTP fixture.
 */
async function runGateway(gateway: GatewayProcess, topic: GatewayTopic | undefined, rows: Row[], phases: Phase[]): Promise<{ accepted: number; symbols: string[]; figures: Map<number, number>; idle: number }> {
  await upsertInstruments(gateway, SYMBOLS);
  progress('ingest: warming the gateway up');
  let accepted = (await gatewayIngest(gateway.url, 1_000, async () => undefined, WARM_UP_TICKS)).accepted;
  await topic?.caughtUp();
  const figures = new Map<number, number>();
  for (const batch of BATCHES) {
    progress(`ingest: baselines for batches of ${batch.toLocaleString('en-US')}`);
    await quiet(gateway, `ingest baselines, batches of ${batch}`);
    const graphqlJs = graphqlJsBaseline(batch, (n) => ticks(n));
    const chdb = await chdbBaseline(batch, TICKS_PER_SIZE, 'Native', (n) => ticks(n));
    const chdbText = await chdbBaseline(batch, TICKS_PER_SIZE, 'TabSeparated', (n) => ticks(n));
    const chdbJson = await chdbBaseline(batch, TICKS_PER_SIZE, 'JSONEachRow', (n) => ticks(n));
    progress(`ingest: ${CLIENTS} clients sending batches of ${batch.toLocaleString('en-US')} over HTTP`);
    const label = `ingest ${batch.toLocaleString('en-US')}-tick batches, ${CLIENTS} clients`;
    const from = await topic?.marks();
    const { load, cpu } = await timedIngest(gateway, batch, `ingest, batches of ${batch}`);
    accepted += load.accepted;
    figures.set(batch, load.accepted / load.seconds);
    rows.push(...rowsOfBatch(label, batch, load.accepted / load.seconds, graphqlJs, { chdb, chdbText, chdbJson }, cpu));
    if (topic) {
      phases.push({ label, from: from!, to: await topic.marks(), ...load });
      rows.push(catchUpRow(label, await topic.caughtUp()));
    }
  }
  progress(`ingest: ${APPENDS} appends of ${APPEND_TICKS.toLocaleString('en-US')} ticks, one at a time`);
  const append = await appendLatency(gateway.url);
  accepted += append.accepted;
  rows.push({
    scenario: `one ${APPEND_TICKS.toLocaleString('en-US')}-tick append alone, answered time (median of ${APPENDS}: ${append.ms.map((ms) => Math.round(ms).toLocaleString('en-US')).join(', ')} ms)`,
    figure: median(append.ms),
    unit: 'ms',
    baseline: null,
    baselineName: null,
    ratio: null,
    target: '< 1,000 ms',
    pass: median(append.ms) < 1_000,
  });
  // Before each shape: the sink caught up, and the engine's merges of the loads before it done.
  const shapes = await benchShapes(gateway, async () => {
    await topic?.caughtUp();
    await quiet(gateway, 'ingest shapes');
  });
  rows.push(...shapes.rows);
  await topic?.caughtUp(); // the sink stores everything before the gateway stops and the rows are counted
  const idle = await idleShare(gateway);
  return { accepted: accepted + shapes.accepted, symbols: [...SYMBOLS, ...shapes.symbols], figures, idle };
}

const KAFKA_TARGET_TICKS_PER_S = 250_000;

/**
 * With BENCH_SERVERS: the embedded path (every engine in-process, the default), loaded the same
 * way in the same run, as the Kafka path's baseline (issue 15: at least 0.7x of it, and 250,000 ticks/s).
 */
async function embeddedBaselineRows(kafka: ReadonlyMap<number, number>, kafkaIdle: number): Promise<Row[]> {
  progress('ingest: the embedded path, the Kafka path\'s baseline in this run');
  const gateway = await spawnGateway(embeddedEnv({ BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000' }));
  const rows: Row[] = [];
  try {
    await upsertInstruments(gateway, SYMBOLS);
    await gatewayIngest(gateway.url, 1_000, async () => undefined, WARM_UP_TICKS);
    for (const batch of BATCHES) {
      const load = await gatewayIngest(gateway.url, batch, () => quiet(gateway, `ingest embedded, batches of ${batch}`));
      const embedded = load.accepted / load.seconds;
      const figure = kafka.get(batch)!;
      rows.push({
        scenario: `Kafka path against the embedded path, ${batch.toLocaleString('en-US')}-tick batches, ${CLIENTS} clients`,
        figure,
        unit: 'ticks/s',
        baseline: embedded,
        baselineName: 'embedded path (in-process stream, chDB), same load',
        ratio: figure / embedded,
        target: '>= 250,000 ticks/s and >= 0.7x',
        pass: figure >= KAFKA_TARGET_TICKS_PER_S && figure / embedded >= 0.7,
      });
    }
    rows.push(idleRow('Kafka', kafkaIdle, await idleShare(gateway)));
  } finally {
    await gateway.stop();
  }
  return rows;
}

export async function benchIngest(): Promise<Row[]> {
  progress('ingest: starting the gateway');
  const profile = profiling('ingest');
  const servers = Boolean(process.env.BENCH_SERVERS);
  // SLOW_STORE_OP_MS: a benchmark's large inserts are slow by design; their logs would only be noise.
  // The data directory is the bench's: the rows the gateway stored are counted once it has stopped.
  const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-ingest-'));
  const env = gatewayEnv({ DATA_DIR: dataDir, BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000' });
  const rows: Row[] = [];
  const phases: Phase[] = [];
  let topic: GatewayTopic | undefined;
  try {
    const gateway = await spawnGateway(env, 60_000, [...profile.nodeArgs, ...GC_TRACE]);
    let sent: { accepted: number; symbols: string[]; figures: Map<number, number>; idle: number };
    try {
      topic = servers ? await watchTopic(process.env.KAFKA_BROKERS!.split(','), env.KAFKA_TOPIC!, env.KAFKA_SINK_GROUP!) : undefined;
      sent = await runGateway(gateway, topic, rows, phases);
    } catch (error) {
      progress(`ingest: the gateway's last log lines:\n${gateway.logs.slice(-15).join('\n')}`);
      throw error;
    } finally {
      await gateway.stop();
      profile.summarize();
    }
    rows.push(collectionsRow(collections(gateway), sent.accepted));
    const stored = await storedTicks(join(dataDir, 'chdb'), TICKS_TABLE, sent.symbols);
    rows.push({
      scenario: `every acknowledged tick stored once: rows for the bench's ${sent.symbols.length} symbols / ticks accepted`,
      figure: stored,
      unit: 'rows',
      baseline: sent.accepted,
      baselineName: 'ticks accepted',
      ratio: stored / sent.accepted,
      target: '= 1.00x',
      pass: stored === sent.accepted,
    });
    if (topic) rows.push(...(await anchorRows(process.env.KAFKA_BROKERS!, topic, phases)));
    if (servers) rows.push(...(await embeddedBaselineRows(sent.figures, sent.idle)));
    else rows.push(idleRow('embedded', sent.idle), await noGroupWaitRow(sent.figures.get(1_000)!));
  } finally {
    await topic?.discard();
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
  if (servers) rows.push(...(await benchHttpSink(SYMBOLS)));
  rows.push(partFilesRow());
  return rows;
}

/**
 * The 1,000-tick load on a gateway whose group commit does not wait for the clients an insert
 * answered (INGEST_GROUP_WAIT_MS=0), against the run's gateway with the default: without the
 * wait, 4 clients sending one batch at a time settle into groups of 2 batches taking turns.
 */
async function noGroupWaitRow(withWait: number): Promise<Row> {
  const batch = 1_000;
  progress(`ingest: batches of ${batch.toLocaleString('en-US')} on a gateway with INGEST_GROUP_WAIT_MS=0`);
  const gateway = await spawnGateway(embeddedEnv({ INGEST_GROUP_WAIT_MS: '0', BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000' }));
  try {
    await upsertInstruments(gateway, SYMBOLS);
    await gatewayIngest(gateway.url, batch, async () => undefined, WARM_UP_TICKS);
    const { load, cpu } = await timedIngest(gateway, batch, `ingest without the group wait, batches of ${batch}`);
    const without = load.accepted / load.seconds;
    return {
      scenario: `ingest ${batch.toLocaleString('en-US')}-tick batches, ${CLIENTS} clients: the default against no group wait (the engine's CPU per tick without it: ${cpu.engineUs.toFixed(2)} µs)`,
      figure: withWait,
      unit: 'ticks/s',
      baseline: without,
      baselineName: 'the same load, INGEST_GROUP_WAIT_MS=0, same run',
      ratio: withWait / without,
      target: 'report',
      pass: null,
    };
  } finally {
    await gateway.stop();
  }
}

/**
 * What the machine's filesystem costs the engine: each insert writes a part, a directory of ten
 * files, and creating files can cost far more kernel time on one disk than on another.
 */
function partFilesRow(): Row {
  const kernelUs = (base: string) => partFilesCost(base, 100).kernelMs * 1000;
  const onDisk = kernelUs(tmpdir());
  const memory = inMemoryTmp();
  const inMemory = memory ? kernelUs(memory) : null;
  return {
    scenario: `the machine: kernel CPU to write one part's files (a directory of ten small files, as chDB writes per insert) where the data directory is (${tmpdir()})`,
    figure: onDisk,
    unit: 'µs',
    baseline: inMemory,
    baselineName: inMemory === null ? null : 'the same in memory (/dev/shm)',
    ratio: inMemory === null ? null : onDisk / inMemory,
    target: 'report',
    pass: null,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchIngest();
  writeResults('ingest', rows);
  printTable(rows);
}
