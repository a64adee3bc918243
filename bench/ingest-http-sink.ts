import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TICKS_TABLE } from '../src/stores/ticks/ticks-sql.js';
import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { callsBetween, cpuMsOf, gatewayEnv, metricsText, scaled, storeSeconds } from './harness.js';
import { watchTopic } from './ingest-kafka.js';
import { body, CLIENTS, sendLoad, tickAt, upsertInstruments } from './ingest-load.js';
import { progress, type Row } from './report.js';

/**
 * Issue 15, "Kafka sink into a ClickHouse server over HTTP": a gateway with BENCH_SERVERS'
 * broker and CLICKHOUSE_URL pointing at test/fixtures/clickhouse-http.ts (chDB behind
 * ClickHouse's HTTP interface; there is no ClickHouse server here), 4 clients sending
 * 10,000-tick batches. What bounds the sink, from each process's CPU and the statements the
 * fixture ran over the time measured.
 */
const BATCH = 10_000;
const TICKS = scaled(400_000);
const PER_CLIENT = Math.max(1, Math.round(TICKS / BATCH / CLIENTS));
const fixturePath = fileURLToPath(new URL('../test/fixtures/clickhouse-http.ts', import.meta.url));

interface Fixture {
  url: string;
  pid: number;
  /** Statements run so far, by first keyword (INSERT, SELECT, ...). */
  statements: Map<string, number>;
  query(sql: string): Promise<string>;
  stop(): Promise<void>;
}

async function startFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-ch-http-'));
  const child = spawn(process.execPath, ['--import', 'tsx', fixturePath, dir, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const statements = new Map<string, number>();
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ClickHouse HTTP fixture exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('LISTENING ')) return resolve(Number(line.slice('LISTENING '.length)));
      const kind = /^\s*(\w+)/.exec((JSON.parse(line) as { sql: string }).sql)?.[1]?.toUpperCase() ?? '?';
      statements.set(kind, (statements.get(kind) ?? 0) + 1);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    pid: child.pid!,
    statements,
    async query(sql) {
      const res = await fetch(`${url}/?query=${encodeURIComponent(sql)}`);
      if (!res.ok) throw new Error(`fixture: ${res.status} ${await res.text()}`);
      return (await res.text()).trim();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

const quoted = (symbols: readonly string[]) => symbols.map((s) => `'${s}'`).join(',');

interface Window {
  seconds: number;
  gatewayShare: number;
  fixtureShare: number;
  /** Statements the fixture ran in the window, by kind. */
  ran: string;
  /** The gateway's time in store calls in the window (its store-operation histogram), by store.operation. */
  storeTime: string;
}

/** Wall time, each process's CPU (share of a core) and the fixture's statements while `run` runs. */
async function measured<T>(gateway: GatewayProcess, fixture: Fixture, run: () => Promise<T>): Promise<[T, Window]> {
  const gatewayPid = gateway.child.pid!;
  const statements = new Map(fixture.statements);
  const inStores = storeSeconds(await metricsText(gateway.url));
  const cpu = [cpuMsOf(gatewayPid), cpuMsOf(fixture.pid)];
  const started = performance.now();
  const result = await run();
  const seconds = (performance.now() - started) / 1000;
  const ran = [...fixture.statements]
    .map(([kind, n]) => [kind, n - (statements.get(kind) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  const share = (pid: number, from: number) => (cpuMsOf(pid) - from) / 1000 / seconds;
  const [gatewayShare, fixtureShare] = [share(gatewayPid, cpu[0]!), share(fixture.pid, cpu[1]!)];
  const grown = Object.entries(callsBetween(inStores, storeSeconds(await metricsText(gateway.url))));
  const storeTime = grown.filter(([key]) => key.startsWith('ticks.')).map(([key, s]) => `${key} ${s.toFixed(1)} s`).join(', ');
  return [result, { seconds, gatewayShare, fixtureShare, ran, storeTime }];
}

function boundRow(w: Window, rows: number): Row {
  const usPerRow = (share: number) => ((share * w.seconds * 1e6) / rows).toFixed(1);
  return {
    scenario: `  what bounds it: CPU over those ${w.seconds.toFixed(1)} s, the fixture (one chDB session, one statement at a time; ${usPerRow(w.fixtureShare)} µs/row) against the gateway (${usPerRow(w.gatewayShare)} µs/row); the fixture ran ${w.ran}; the gateway's time in tick-store calls (all in flight summed): ${w.storeTime || 'none recorded'}`,
    figure: w.fixtureShare * 100,
    unit: '% of a core',
    baseline: w.gatewayShare * 100,
    baselineName: 'gateway, % of a core',
    ratio: w.fixtureShare / w.gatewayShare,
    target: 'report',
    pass: null,
  };
}

function storedOnceRow(stored: number, accepted: number): Row {
  return {
    scenario: `  every acknowledged tick stored once in the fixture: rows for the bench's symbols / ticks accepted`,
    figure: stored,
    unit: 'rows',
    baseline: accepted,
    baselineName: 'ticks accepted',
    ratio: stored / accepted,
    target: '= 1.00x',
    pass: stored === accepted,
  };
}

const GATEWAY_ENV = { BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000', STORE_TIMEOUT_MS: '30000' };

/**
 * Two measurements. The sink keeping up: a gateway sinking into the fixture takes the load, and
 * the rows stored per second run from the load's start to the group's lag back at zero. The sink
 * alone: a second gateway, with a sink group of its own and a fresh fixture, drains that topic
 * from its start; rows/s from the moment it is up to lag zero.
 */
export async function benchHttpSink(symbols: readonly string[]): Promise<Row[]> {
  progress('ingest: the Kafka sink into the ClickHouse HTTP fixture, under load');
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const rows: Row[] = [];
  const fixture = await startFixture();
  const env = gatewayEnv({ CLICKHOUSE_URL: fixture.url, ...GATEWAY_ENV });
  const topic = await (async () => {
    const gateway = await spawnGateway(env, 60_000);
    try {
      const topic = await watchTopic(brokers, env.KAFKA_TOPIC!, env.KAFKA_SINK_GROUP!);
      await upsertInstruments(gateway, symbols);
      let clock = Date.now() - 3 * 86_400_000;
      const own = Array.from({ length: CLIENTS }, (_, c) => symbols.filter((_, i) => i % CLIENTS === c));
      const bodies = own.map((mine) => Array.from({ length: PER_CLIENT }, () => body(Array.from({ length: BATCH }, (_, i) => tickAt(mine[i % mine.length]!, clock++, i)))));
      const [[load, lagMs], w] = await measured(gateway, fixture, async () => {
        const load = await sendLoad(gateway.url, bodies, CLIENTS * PER_CLIENT * BATCH);
        return [load, await topic.caughtUp()] as const;
      });
      const stored = Number(await fixture.query(`SELECT count() FROM ${TICKS_TABLE} WHERE symbol IN (${quoted(symbols)})`));
      const appendRate = load.accepted / load.seconds;
      rows.push(
        {
          scenario: `Kafka sink into ClickHouse over HTTP (chDB fixture), under ${BATCH.toLocaleString('en-US')}-tick batches from ${CLIENTS} clients: rows stored/s, load start to lag zero (zero ${Math.round(lagMs).toLocaleString('en-US')} ms after the load)`,
          figure: stored / w.seconds,
          unit: 'rows/s',
          baseline: appendRate,
          baselineName: 'the gateway appending the same load',
          ratio: stored / w.seconds / appendRate,
          target: 'report',
          pass: null,
        },
        boundRow(w, stored),
        storedOnceRow(stored, load.accepted),
      );
      return { topic, accepted: load.accepted };
    } finally {
      await gateway.stop();
      await fixture.stop();
    }
  })();
  progress('ingest: a second gateway\'s sink draining that topic into a fresh fixture');
  const fresh = await startFixture();
  const drainEnv: Record<string, string> = { ...gatewayEnv({ CLICKHOUSE_URL: fresh.url, ...GATEWAY_ENV }), KAFKA_TOPIC: env.KAFKA_TOPIC! };
  try {
    const gateway = await spawnGateway(drainEnv, 60_000);
    const drained = await watchTopic(brokers, drainEnv.KAFKA_TOPIC!, drainEnv.KAFKA_SINK_GROUP!);
    try {
      const backlog = await drained.lag();
      const [, w] = await measured(gateway, fresh, () => drained.caughtUp());
      const stored = Number(await fresh.query(`SELECT count() FROM ${TICKS_TABLE} WHERE symbol IN (${quoted(symbols)})`));
      const ticksPerRecord = topic.accepted / (await drained.marks()).reduce((a, b) => a + b, 0);
      rows.push(
        {
          scenario: `Kafka sink alone into ClickHouse over HTTP: a new sink group draining ${backlog.toLocaleString('en-US')} records (${ticksPerRecord.toFixed(1)} ticks each), rows stored/s from the gateway up to lag zero`,
          figure: (backlog * ticksPerRecord) / w.seconds,
          unit: 'rows/s',
          baseline: null,
          baselineName: null,
          ratio: null,
          target: 'report',
          pass: null,
        },
        boundRow(w, backlog * ticksPerRecord),
        storedOnceRow(stored, topic.accepted),
      );
    } finally {
      await gateway.stop();
      await drained.discard();
      await topic.topic.discard();
    }
  } finally {
    await fresh.stop();
  }
  return rows;
}
