import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from 'chdb';
import { ticksToTabSeparated } from '../src/stores/ticks/tick-rows.js';
import { candlesSql, latestSql, pageSql, TICK_COLUMNS, TICKS_TABLE, type Sql } from '../src/stores/ticks/ticks-sql.js';
import type { StoredTick, TickInput } from '../src/stores/ticks/tick-store.js';
import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { dataOf, discardChdb, gatewayEnv, graphqlClient, openTicksEngine, scaled, settle, summarize, type LatencySummary } from './harness.js';
import { profiling } from './profile.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Scenario 2 of issue 7: three reads, each timed over HTTP against the gateway and as the same
 * SQL on chDB in this process (the engine's own time), samples of the two interleaved so that
 * both see the same background load:
 * - `latestTick` of 50 instruments (the gateway answers from its latest-tick cache);
 * - the last 100 ticks of a symbol;
 * - M1 candles over one day (~1 M ticks) of a symbol (the gateway caches closed buckets).
 */
const INSERT = `mutation($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted } }`;
const UPSERT = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;
const DAY_MS = 86_400_000;
const BATCH = 100_000;
const INSTRUMENTS = Array.from({ length: 50 }, (_, i) => `Q${String(i).padStart(2, '0')}`);
const BIG = 'QBIG';
const BIG_TICKS = scaled(1_000_000, 10_000);
const SAMPLES = scaled(300, 50); // per query and side, after WARM_UP
// The day's candles take chDB ~0.3 s a query here: 200 samples keep the scenario near 2 minutes.
const CANDLE_SAMPLES = scaled(200, 50);
const WARM_UP = 20;

interface Read {
  name: string;
  query: string;
  sql: Sql;
  /** Throws unless the gateway's answer has the expected size. */
  check(data: any, engineRows: number): void;
  target: string;
  pass(gateway: LatencySummary, engine: LatencySummary): boolean;
  samples: number;
  /** What the gateway does for the query besides the SQL, for the results file. */
  note: string;
}

function reads(dayFrom: number, dayTo: number): Read[] {
  const withinRatio = (g: LatencySummary, e: LatencySummary) => g.p99 <= 1.3 * e.p99;
  const minutes = Math.ceil((dayTo - dayFrom) / 60_000) + 1;
  return [
    {
      name: 'latestTick of 50 instruments',
      query: `{ instruments(assetClass: "BENCH-QUERIES", first: 50) { edges { node { symbol latestTick { time bid ask } } } } }`,
      sql: latestSql(INSTRUMENTS),
      check(data) {
        const found = data.instruments.edges.filter((e: any) => e.node.latestTick !== null).length;
        if (found !== INSTRUMENTS.length) throw new Error(`latestTick: ${found} of ${INSTRUMENTS.length} instruments have one`);
      },
      target: 'p99 <= 1.3x engine and < 2 ms',
      pass: (g, e) => withinRatio(g, e) && g.p99 < 2,
      samples: SAMPLES,
      note: 'gateway: the instruments page from the relational store (PGlite), then the 50 latest ticks from its in-process cache; chDB is not asked',
    },
    {
      name: 'last 100 ticks of a symbol',
      query: `{ ticks(symbol: "${BIG}", first: 100) { edges { node { time bid ask } } } }`,
      sql: pageSql({ symbol: BIG, limit: 101 }), // the resolver asks one more, to tell whether a next page exists
      check(data) {
        if (data.ticks.edges.length !== 100) throw new Error(`ticks: ${data.ticks.edges.length} of 100`);
      },
      target: 'p99 <= 1.3x engine',
      pass: withinRatio,
      samples: SAMPLES,
      note: 'gateway: the same statement on its chDB, rows parsed and serialized as GraphQL',
    },
    {
      name: 'M1 candles over one day',
      query: `{ candles(symbol: "${BIG}", interval: M1, from: ${dayFrom}, to: ${dayTo}, limit: ${minutes}) { time open high low close volume ticks } }`,
      sql: candlesSql({ symbol: BIG, interval: 'M1', from: dayFrom, to: dayTo, limit: minutes }),
      check(data, engineRows) {
        if (data.candles.length !== engineRows) throw new Error(`candles: gateway ${data.candles.length}, engine ${engineRows}`);
      },
      target: 'p99 <= 1.3x engine',
      pass: withinRatio,
      samples: CANDLE_SAMPLES,
      note: 'gateway: closed 2-hour chunks of buckets from its cache, the open edges of the range from chDB (src/candles/candle-cache.ts)',
    },
  ];
}

/** One day of a random walk for BIG, ending before `end`, and one tick for each of INSTRUMENTS. */
function dataset(end: number): TickInput[] {
  const ticks: TickInput[] = [];
  let bid = 1.1;
  let seed = 7;
  for (let i = 0; i < BIG_TICKS; i++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0; // a fixed walk: every run loads the same prices
    bid = Math.max(0.5, bid * (1 + (seed / 2 ** 32 - 0.5) * 0.0002));
    const price = Number(bid.toFixed(5));
    ticks.push({ symbol: BIG, time: end - DAY_MS + Math.floor((i * DAY_MS) / BIG_TICKS), bid: price, ask: price + 0.0002, last: null, volume: 1, flags: 6 });
  }
  for (const [i, symbol] of INSTRUMENTS.entries()) {
    ticks.push({ symbol, time: end - 1_000 + i, bid: 1 + i / 100, ask: 1.0002 + i / 100, last: null, volume: 1, flags: 6 });
  }
  return ticks;
}

async function loadGateway(gateway: GatewayProcess, ticks: TickInput[]): Promise<void> {
  const instruments = [...INSTRUMENTS.map((symbol) => ({ symbol, assetClass: 'BENCH-QUERIES' })), { symbol: BIG, assetClass: 'BENCH-QUERIES-BIG' }];
  const upserted = await gateway.gql(UPSERT, {
    i: instruments.map((i) => ({ ...i, baseCurrency: i.symbol, quoteCurrency: 'USD', digits: 5 })),
  });
  if (upserted.errors) throw new Error(`upsertInstruments failed: ${JSON.stringify(upserted.errors).slice(0, 300)}`);
  const client = graphqlClient(gateway.url);
  try {
    for (let i = 0; i < ticks.length; i += BATCH) {
      const batch = ticks.slice(i, i + BATCH);
      const data = await client.data<{ insertTicks: { accepted: number } }>(INSERT, { ticks: batch });
      progress(`queries: inserted ${(i + batch.length).toLocaleString('en-US')} of ${ticks.length.toLocaleString('en-US')} ticks (${data.insertTicks.accepted.toLocaleString('en-US')} accepted)`);
    }
  } finally {
    client.close();
  }
}

/** chDB in this process, with the ticks table as the first migration creates it and the same rows. */
async function openEngine(dir: string, ticks: TickInput[]): Promise<Session> {
  const session = await openTicksEngine(dir);
  for (let i = 0; i < ticks.length; i += BATCH) {
    const rows = ticks.slice(i, i + BATCH).map((t, k): StoredTick => ({ ...t, seq: i + k + 1 }));
    await session.insert({ table: TICKS_TABLE, columns: TICK_COLUMNS, values: ticksToTabSeparated(rows), format: 'TabSeparated' });
  }
  return session;
}

/** As the embedded tick store runs a statement: off the event loop, JSONEachRow. Returns the row count. */
async function runSql(session: Session, sql: Sql): Promise<number> {
  const text = (await session.queryBindAsync(sql.query, sql.params, { format: 'JSONEachRow' })).text();
  return text ? text.trimEnd().split('\n').length : 0;
}

async function measure(read: Read, session: Session, client: ReturnType<typeof graphqlClient>) {
  const body = JSON.stringify({ query: read.query });
  const engineRows = await runSql(session, read.sql);
  read.check(dataOf(await client.post(body)), engineRows);
  for (let i = 0; i < WARM_UP; i++) {
    await runSql(session, read.sql);
    dataOf(await client.post(body));
  }
  const gateway: number[] = [];
  const engine: number[] = [];
  for (let i = 0; i < read.samples; i++) {
    const started = performance.now();
    await runSql(session, read.sql);
    engine.push(performance.now() - started);
    const res = await client.post(body);
    gateway.push(res.ms);
    dataOf(res); // every timed answer must be a whole one
  }
  return { gateway: summarize(gateway), engine: summarize(engine), engineRows };
}

async function measureFloor(client: ReturnType<typeof graphqlClient>): Promise<LatencySummary> {
  const body = JSON.stringify({ query: '{ __typename }' });
  for (let i = 0; i < WARM_UP; i++) dataOf(await client.post(body));
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const res = await client.post(body);
    dataOf(res);
    samples.push(res.ms);
  }
  return summarize(samples);
}

export async function benchQueries(): Promise<Row[]> {
  const end = Date.now() - 2_000; // ticks may not be in the future
  const ticks = dataset(end);
  const profile = profiling('queries');
  progress(`queries: starting the gateway; ${ticks.length.toLocaleString('en-US')} ticks to load`);
  const gateway = await spawnGateway(gatewayEnv({ BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000' }), 60_000, profile.nodeArgs);
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-queries-'));
  const rows: Row[] = [];
  const details: Record<string, unknown> = { ticks: ticks.length, warmUp: WARM_UP };
  let session: Session | undefined;
  try {
    await loadGateway(gateway, ticks);
    progress('queries: loading the same rows into chDB in this process');
    session = await openEngine(dir, ticks);
    progress('queries: waiting for both chDB engines to finish merging what was loaded');
    await settle([gateway.child.pid!, process.pid], 'queries');
    const client = graphqlClient(gateway.url);
    try {
      // What any answer costs on this machine: an HTTP round trip to the gateway for a document
      // no store is asked about. It bounds from below what the reads below can reach.
      const floor = await measureFloor(client);
      details.floor = floor;
      progress(`queries: floor, { __typename }: p50 ${floor.p50.toFixed(2)} ms p99 ${floor.p99.toFixed(2)} ms`);
      rows.push({ unit: 'ms', scenario: 'queries: floor ({ __typename } over HTTP), p99', figure: floor.p99, baseline: null, baselineName: null, ratio: null, target: 'report', pass: null });
      for (const read of reads(end - DAY_MS, end + 1)) {
        progress(`queries: ${read.name}, ${read.samples} samples each side`);
        const m = await measure(read, session, client);
        details[read.name] = { ...m, query: read.query, sql: read.sql.query, note: read.note };
        progress(`queries: ${read.name}: gateway p50 ${m.gateway.p50.toFixed(2)} ms p99 ${m.gateway.p99.toFixed(2)} ms; engine p50 ${m.engine.p50.toFixed(2)} ms p99 ${m.engine.p99.toFixed(2)} ms`);
        const row = { unit: 'ms', baselineName: 'same SQL on chDB, in-process', target: read.target };
        rows.push(
          { ...row, scenario: `queries: ${read.name}, p99`, figure: m.gateway.p99, baseline: m.engine.p99, ratio: m.gateway.p99 / m.engine.p99, pass: read.pass(m.gateway, m.engine) },
          { ...row, scenario: `  same, p50`, figure: m.gateway.p50, baseline: m.engine.p50, ratio: m.gateway.p50 / m.engine.p50, target: 'report', pass: null },
        );
      }
    } finally {
      client.close();
    }
  } finally {
    if (session) await discardChdb(session, dir, TICKS_TABLE);
    else rmSync(dir, { recursive: true, force: true });
    await gateway.stop();
    profile.summarize();
  }
  writeResults('queries', rows, details);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) printTable(await benchQueries());
