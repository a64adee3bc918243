import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { instrumentPort as InstrumentPort } from '../src/stores/instrument-port.js';
import { createMetrics } from '../src/metrics.js';
import { createLogger } from '../src/logger.js';
import { createStoreGuard } from '../src/stores/resilience.js';
import { startTracing, type Tracing } from '../src/telemetry/tracing.js';
import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { cpuMsOf, dataOf, gatewayEnv, graphqlClient, median, scaled } from './harness.js';
import { progress, writeResults, type Row } from './report.js';

/**
 * What tracing costs (issue 14): the same load against three gateways started in this run, each
 * in its own process and measured in turn, three rounds interleaved so that all see the same
 * background load:
 * - `before`: the code before tracing existed (the parent of the commit that added
 *   src/telemetry/tracing.ts, or BENCH_TRACING_BASE), extracted with `git archive`;
 * - `unset`: this code with no OTLP endpoint (the default);
 * - `exporting`: this code exporting every span over OTLP/HTTP to a sink in this process.
 * Two loads where per-request costs show: insertTicks of 100 ticks from 4 clients (the fast path
 * and the group commit), and a query that reaches three stores through three resolvers. The
 * figure is the gateway's CPU time per request (from /proc: steadier than throughput on a
 * shared machine); requests per second are in the results file. Store engines (chDB, PGlite)
 * run in the gateway's process and take most of that time, so the wrapper every store call goes
 * through (instrumentPort, where the one check for tracing sits) is also timed alone, in this
 * process, before and after, on a port whose call does nothing.
 */
const CLIENTS = 4;
const PORT_CALLS = scaled(100_000, 10_000);
// Rounds of PORT_CALLS per variant, "before" and "unset" alternating; the fastest counts, since
// a shared machine's noise only ever adds time.
const PORT_ROUNDS = 7;
const INSERTS_PER_CLIENT = scaled(300, 20);
const TICKS_PER_INSERT = 100;
const QUERIES_PER_CLIENT = scaled(300, 20);
const ROUNDS = 3;
// A gateway starts in seconds, but the "before" tree is compiled by tsx on its first start.
const START_MS = 300_000;
const SYMBOLS = Array.from({ length: 8 }, (_, i) => `T${i}`);
const INSERT = `mutation Insert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted } }`;
const QUERY = `query Screen($s: String!) { instrument(symbol: $s) { symbol latestTick { bid } ticks(first: 10) { edges { node { bid } } } } }`;
const UPSERT = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;

type Variant = 'before' | 'unset' | 'exporting';
interface Load {
  name: string;
  requests: number;
  run(url: string): Promise<void>;
}

let clock = Date.now() - 86_400_000;

const loads: Load[] = [
  {
    name: `insertTicks of ${TICKS_PER_INSERT} ticks, ${CLIENTS} clients`,
    requests: CLIENTS * INSERTS_PER_CLIENT,
    async run(url) {
      await eachClient(url, INSERTS_PER_CLIENT, (c) => {
        const own = SYMBOLS.filter((_, i) => i % CLIENTS === c);
        const ticks = Array.from({ length: TICKS_PER_INSERT }, (_, i) => ({ symbol: own[i % own.length]!, time: clock++, bid: 1.1, ask: 1.2 }));
        return JSON.stringify({ query: INSERT, variables: { ticks } });
      });
    },
  },
  {
    name: `query through 3 resolvers and 3 stores, ${CLIENTS} clients`,
    requests: CLIENTS * QUERIES_PER_CLIENT,
    async run(url) {
      await eachClient(url, QUERIES_PER_CLIENT, (c) => JSON.stringify({ query: QUERY, variables: { s: SYMBOLS[c]! } }));
    },
  },
];

async function eachClient(url: string, count: number, body: (client: number) => string): Promise<void> {
  const client = graphqlClient(url, CLIENTS);
  try {
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; i < count; i++) dataOf(await client.post(body(c)));
      }),
    );
  } finally {
    client.close();
  }
}

/** The source tree before tracing, runnable with this checkout's node_modules. */
function checkoutBefore(): { entry: string; dir: string; remove(): void } {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const base = process.env.BENCH_TRACING_BASE ?? `${git('log', '--diff-filter=A', '--format=%H', '--', 'src/telemetry/tracing.ts').split('\n').at(-1)}^`;
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-before-'));
  execFileSync('sh', ['-c', `git archive "$0" src schema migrations package.json | tar -x -C "$1"`, base, dir], { cwd: root });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  progress(`tracing: "before" is ${git('rev-parse', '--short', base)}`);
  return { entry: join(dir, 'src/main.ts'), dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An OTLP/HTTP receiver that reads and drops what it is sent. */
async function otlpSink(): Promise<{ url: string; bytes: () => number; server: Server }> {
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: () => bytes, server };
}

export async function benchTracing(): Promise<Row[]> {
  const before = checkoutBefore();
  const sink = await otlpSink();
  const gateways = new Map<Variant, GatewayProcess>();
  // cpu ms per request and requests per second, per load and variant, one sample per round
  const cpu = new Map<string, number[]>();
  const rate = new Map<string, number[]>();
  const portNs = new Map<string, number[]>();
  try {
    progress('tracing: starting three gateways');
    const env = gatewayEnv({ SLOW_STORE_OP_MS: '60000' });
    gateways.set('before', await spawnGateway(env, START_MS, [], before.entry));
    gateways.set('unset', await spawnGateway(env, START_MS));
    gateways.set('exporting', await spawnGateway({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }, START_MS));
    for (const gateway of gateways.values()) {
      const instruments = SYMBOLS.map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5 }));
      await gateway.gql(UPSERT, { i: instruments });
    }
    // First, with no context manager registered yet: the "exporting" case registers one.
    progress('tracing: store calls through instrumentPort, in this process');
    const old = (await import(join(before.dir, 'src/stores/instrument-port.ts'))) as { instrumentPort: typeof InstrumentPort };
    const { instrumentPort } = await import('../src/stores/instrument-port.js');
    for (let round = 1; round <= PORT_ROUNDS; round++) {
      push(portNs, 'before', await portCallNs(old.instrumentPort));
      push(portNs, 'unset', await portCallNs(instrumentPort));
    }
    const tracing = (await startTracing({ tracesUrl: `${sink.url}/v1/traces`, headers: {}, serviceName: 'bench', resourceAttributes: {}, sampler: { name: 'always_on', ratio: 1 } }, '0'))!;
    for (let round = 1; round <= PORT_ROUNDS; round++) push(portNs, 'exporting', await portCallNs(instrumentPort, tracing));
    await tracing.shutdown();

    for (let round = 1; round <= ROUNDS; round++) {
      for (const load of loads) {
        for (const [variant, gateway] of gateways) {
          progress(`tracing: round ${round}, ${variant}: ${load.name}`);
          const cpuBefore = cpuMsOf(gateway.child.pid!);
          const started = performance.now();
          await load.run(gateway.url);
          const seconds = (performance.now() - started) / 1000;
          push(cpu, `${load.name}|${variant}`, (cpuMsOf(gateway.child.pid!) - cpuBefore) / load.requests);
          push(rate, `${load.name}|${variant}`, load.requests / seconds);
        }
      }
    }
  } finally {
    for (const gateway of gateways.values()) await gateway.stop();
    await new Promise((resolve) => sink.server.close(resolve));
    before.remove();
  }
  if (sink.bytes() === 0) throw new Error('the exporting gateway sent no spans to the sink');

  const rows: Row[] = [];
  const details: Record<string, unknown> = { rounds: ROUNDS, sinkBytes: sink.bytes(), portCallNs: Object.fromEntries(portNs) };
  const ns = (v: Variant) => Math.min(...portNs.get(v)!);
  rows.push(
    {
      scenario: 'tracing unset: one store call through instrumentPort',
      figure: ns('unset'),
      unit: 'CPU ns/call',
      baseline: ns('before'),
      baselineName: 'the code before tracing',
      ratio: ns('unset') / ns('before'),
      target: '<= 1.05x the code before',
      pass: ns('unset') <= 1.05 * ns('before'),
    },
    {
      scenario: '  same, exporting a span per call',
      figure: ns('exporting'),
      unit: 'CPU ns/call',
      baseline: ns('unset'),
      baselineName: 'tracing unset',
      ratio: ns('exporting') / ns('unset'),
      target: '- (the price of tracing, for the README)',
      pass: null,
    },
  );
  for (const load of loads) {
    const ms = (v: Variant) => median(cpu.get(`${load.name}|${v}`)!);
    details[load.name] = Object.fromEntries(
      (['before', 'unset', 'exporting'] as const).map((v) => [v, { cpuMsPerRequest: cpu.get(`${load.name}|${v}`), requestsPerSecond: rate.get(`${load.name}|${v}`) }]),
    );
    rows.push(
      {
        scenario: `tracing unset: ${load.name}`,
        figure: ms('unset'),
        unit: 'CPU ms/request',
        baseline: ms('before'),
        baselineName: 'the code before tracing',
        ratio: ms('unset') / ms('before'),
        // CPU time per request varies by a few percent between runs of one build on this machine.
        target: '<= 1.05x the code before',
        pass: ms('unset') <= 1.05 * ms('before'),
      },
      {
        scenario: `  same, exporting every span over OTLP`,
        figure: ms('exporting'),
        unit: 'CPU ms/request',
        baseline: ms('unset'),
        baselineName: 'tracing unset',
        ratio: ms('exporting') / ms('unset'),
        target: '- (the price of tracing, for the README)',
        pass: null,
      },
    );
  }
  writeResults('tracing', rows, details);
  return rows;
}

/** Mean CPU time of a store call through the wrapper (guard, metrics, and a span when tracing), awaited one after another. */
async function portCallNs(instrument: typeof InstrumentPort, tracing?: Tracing): Promise<number> {
  const port = { engine: 'chdb bench', async latest(symbols: readonly string[]) { return symbols; } };
  const observer = { metrics: createMetrics(), logger: createLogger('silent'), slowMs: 60_000, ...(tracing ? { tracing } : {}) };
  const guard = createStoreGuard({ timeoutMs: 5_000, breakerFailures: 5, halfOpenAfterMs: 5_000 });
  const wrapped = instrument('ticks', port, observer, { guard, reads: new Set(['latest']) });
  const symbols = ['EURUSD'];
  for (let i = 0; i < 10_000; i++) await wrapped.latest(symbols); // warm-up
  // CPU time of this process, not wall time: on a shared machine the wall clock mostly measures the others.
  const started = process.cpuUsage();
  for (let i = 0; i < PORT_CALLS; i++) await wrapped.latest(symbols);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1e3) / PORT_CALLS;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}
