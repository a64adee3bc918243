import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TICKS_TABLE } from '../src/stores/ticks/ticks-sql.js';
import { spawnGateway } from '../test/helpers/process-gateway.js';
import { cpuMsOf, gatewayEnv, scaled } from './harness.js';
import { watchTopic } from './ingest-kafka.js';
import { body, CLIENTS, sendLoad, tickAt, upsertInstruments } from './ingest-load.js';
import { progress, type Row } from './report.js';

/**
 * Issue 15, "Kafka sink into a ClickHouse server over HTTP": a gateway with BENCH_SERVERS'
 * broker and CLICKHOUSE_URL pointing at test/fixtures/clickhouse-http.ts (chDB behind
 * ClickHouse's HTTP interface; there is no ClickHouse server here), 4 clients sending
 * 10,000-tick batches. The sink's rate is the ticks stored from the load's start until its
 * group's lag is zero; what bounds it, from each process's CPU over that time and the
 * statements the fixture ran.
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

export async function benchHttpSink(symbols: readonly string[]): Promise<Row[]> {
  progress('ingest: the Kafka sink into the ClickHouse HTTP fixture');
  const fixture = await startFixture();
  try {
    const env = gatewayEnv({ CLICKHOUSE_URL: fixture.url, BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000', STORE_TIMEOUT_MS: '30000' });
    const gateway = await spawnGateway(env, 60_000);
    const topic = await watchTopic(process.env.KAFKA_BROKERS!.split(','), env.KAFKA_TOPIC!, env.KAFKA_SINK_GROUP!);
    try {
      await upsertInstruments(gateway, symbols);
      let clock = Date.now() - 3 * 86_400_000;
      const own = Array.from({ length: CLIENTS }, (_, c) => symbols.filter((_, i) => i % CLIENTS === c));
      const bodies = own.map((mine) => Array.from({ length: PER_CLIENT }, () => body(Array.from({ length: BATCH }, (_, i) => tickAt(mine[i % mine.length]!, clock++, i)))));
      const before = { statements: new Map(fixture.statements), gatewayCpu: cpuMsOf(gateway.child.pid!), fixtureCpu: cpuMsOf(fixture.pid) };
      const started = performance.now();
      const load = await sendLoad(gateway.url, bodies, CLIENTS * PER_CLIENT * BATCH);
      const lagMs = await topic.caughtUp();
      const seconds = (performance.now() - started) / 1000;
      const share = (pid: number, from: number) => (cpuMsOf(pid) - from) / 1000 / seconds;
      const gatewayShare = share(gateway.child.pid!, before.gatewayCpu);
      const fixtureShare = share(fixture.pid, before.fixtureCpu);
      const ran = [...fixture.statements].map(([kind, n]) => `${n - (before.statements.get(kind) ?? 0)} ${kind}`).join(', ');
      const quoted = symbols.map((s) => `'${s}'`).join(',');
      const stored = Number(await fixture.query(`SELECT count() FROM ${TICKS_TABLE} WHERE symbol IN (${quoted})`));
      const appendRate = load.accepted / load.seconds;
      return [
        {
          scenario: `Kafka sink into ClickHouse over HTTP (chDB fixture), ${BATCH.toLocaleString('en-US')}-tick batches, ${CLIENTS} clients: rows stored/s, load start to lag zero (lag zero ${Math.round(lagMs).toLocaleString('en-US')} ms after the load)`,
          figure: stored / seconds,
          unit: 'rows/s',
          baseline: appendRate,
          baselineName: 'the gateway appending the same load',
          ratio: stored / seconds / appendRate,
          target: 'report',
          pass: null,
        },
        {
          scenario: `  what bounds it: CPU over those ${seconds.toFixed(1)} s, the fixture (one chDB session, statements one at a time) against the gateway; fixture statements: ${ran}`,
          figure: fixtureShare * 100,
          unit: '% of a core',
          baseline: gatewayShare * 100,
          baselineName: 'gateway, % of a core',
          ratio: fixtureShare / gatewayShare,
          target: 'report',
          pass: null,
        },
        {
          scenario: `  every acknowledged tick stored once in the fixture: rows for the bench's symbols / ticks accepted`,
          figure: stored,
          unit: 'rows',
          baseline: load.accepted,
          baselineName: 'ticks accepted',
          ratio: stored / load.accepted,
          target: '= 1.00x',
          pass: stored === load.accepted,
        },
      ];
    } finally {
      await gateway.stop();
      await topic.discard();
    }
  } finally {
    await fixture.stop();
  }
}
