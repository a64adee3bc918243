import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { spawnGateway } from '../test/helpers/process-gateway.js';
import type { Subscribers } from './fanout-clients.js';
import { describeRun, fanOut, SYMBOLS, UPSERT, type FanOutRun } from './fanout.js';
import { GC_ON_SIGNAL, steadyRss } from './fanout-idle.js';
import { dataOf, freePort, gatewayEnv, graphqlClient, sleep, summarize, vmRssBytes } from './harness.js';
import { machine, printTable, progress, writeResults, type Row } from './report.js';

/**
 * `npm run bench:peers`, part one (`cosmo`): the fan-out scenario (bench/fanout.ts) against the gateway and against
 * WunderGraph Cosmo Router in the same run, both reading the same Kafka topic. Ticks go in
 * through the gateway's insertTicks, which appends them to the topic; the gateway's subscribers
 * get them from its own consumer of the topic, Cosmo's from Cosmo's (EDFS, filtered per symbol
 * in the router). Same subscribers, same rate, same clock.
 *
 * Needs a Kafka broker in KAFKA_BROKERS (`bash .ci/services.sh start; source
 * /tmp/marketgraph-ci/env`) and Go: bench/peers/cosmo/cosmo.sh builds the router once into
 * $MG_CACHE_DIR/cosmo (about 2 minutes on 2 cores) and composes its config offline.
 */
const COSMO_SUBSCRIPTION = `subscription($s: [String!]!) { ticks(symbols: $s) { symbol time bid ask } }`;
const COSMO_SCRIPT = fileURLToPath(new URL('./peers/cosmo/cosmo.sh', import.meta.url));
const READY_LIMIT_MS = 60_000;

/** Polls `answers` until the server started as `child` answers; fails when it exits or after READY_LIMIT_MS. */
async function untilServing(child: ChildProcess, name: string, answers: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + READY_LIMIT_MS;
  while (!(await answers())) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${name} did not answer in ${READY_LIMIT_MS / 1000} s`);
    await sleep(100);
  }
}

interface Router {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startCosmo(topic: string, brokers: string): Promise<Router> {
  progress('peers: building the Cosmo router (once; kept in the cache)');
  const binary = execFileSync('bash', [COSMO_SCRIPT, 'build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-cosmo-'));
  const port = await freePort();
  progress(`peers: composing Cosmo's config for topic ${topic}`);
  const config = execFileSync('bash', [COSMO_SCRIPT, 'compose', dir, topic, brokers, `127.0.0.1:${port}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const child = spawn(binary, ['-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/graphql`;
  await untilServing(child, 'the Cosmo router', () => fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false));
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killed);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Live means delivering: a server with no gauge of its own (Cosmo starts reading the topic when a
 * subscription arrives, asynchronously) is ready once every subscriber got a probe tick. Probes
 * go in through the gateway, one per symbol each round; the run counts only what comes after.
 */
function probedReady(insertUrl: string) {
  return async (subscribers: Subscribers): Promise<void> => {
    const client = graphqlClient(insertUrl);
    const insert = `mutation($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } }`;
    const deadline = Date.now() + READY_LIMIT_MS;
    try {
      for (let round = 0; ; round++) {
        const time = Date.now();
        const ticks = SYMBOLS.map((symbol, i) => ({ symbol, time, bid: 2 + round / 1e4 + i / 1e7, ask: 3 }));
        dataOf(await client.post(JSON.stringify({ query: insert, variables: { t: ticks } })));
        await sleep(500);
        const reports = await subscribers.report();
        const waiting = reports.reduce((sum, r) => sum + r.counts.filter((n) => n === 0).length, 0);
        if (waiting === 0) return;
        if (Date.now() > deadline) throw new Error(`${waiting} subscriptions got no tick in ${READY_LIMIT_MS / 1000} s`);
      }
    } finally {
      client.close();
    }
  };
}

async function benchCosmo(): Promise<Row[]> {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('bench:peers needs a Kafka broker in KAFKA_BROKERS (bash .ci/services.sh start; source /tmp/marketgraph-ci/env)');
  const run = `peers-${process.pid}-${Date.now()}`;
  const topic = `marketgraph.${run}`;
  progress(`peers: starting the gateway on Kafka topic ${topic}`);
  // Kafka for the stream, embedded engines for the rest; a topic and sink group of its own.
  const env = gatewayEnv({
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC: topic,
    KAFKA_SINK_GROUP: run,
    MIGRATE_ON_START: 'true',
    SUBSCRIPTION_MAX_BUFFERED_BYTES: String(16 * 2 ** 20),
    SLOW_STORE_OP_MS: '60000',
  });
  const gateway = await spawnGateway(env, 60_000, GC_ON_SIGNAL);
  let cosmo: Router | undefined;
  try {
    const upserted = await gateway.gql(UPSERT, {
      i: SYMBOLS.map((symbol) => ({ symbol, assetClass: 'BENCH-FANOUT', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5 })),
    });
    if (upserted.errors) throw new Error(`upsertInstruments failed: ${JSON.stringify(upserted.errors).slice(0, 300)}`);
    const ready = probedReady(gateway.url);
    progress('peers: fan-out through the gateway');
    const pid = gateway.child.pid!;
    const ours = await fanOut({ url: gateway.url, pid, ready, rssBefore: () => steadyRss(pid) });
    cosmo = await startCosmo(topic, brokers);
    progress('peers: fan-out through Cosmo Router, ticks inserted through the gateway');
    const theirs = await fanOut({
      url: cosmo.url,
      pid: cosmo.child.pid!,
      insertUrl: gateway.url,
      query: COSMO_SUBSCRIPTION,
      ready,
      rssBefore: async () => (await sleep(2_000), vmRssBytes(cosmo!.child.pid!)), // Go: no way to ask for a collection from outside
    });
    progress(`peers: gateway: ${describeRun(ours)}`);
    progress(`peers: cosmo: ${describeRun(theirs)}`);
    const who = `${ours.subscribers.toLocaleString('en-US')} subscriptions over ${SYMBOLS.length} symbols, from Kafka`;
    const baselineName = 'Cosmo Router 0.322.1, EDFS on the same topic';
    const added = (r: FanOutRun) => r.rssMB.peak - r.rssMB.before;
    // A row of one figure of both runs, the gateway's against Cosmo's.
    const compared = (scenario: string, unit: string, figureOf: (r: FanOutRun) => number, target = 'report', pass: boolean | null = null): Row => {
      const [figure, baseline] = [figureOf(ours), figureOf(theirs)];
      return { scenario, figure, unit, baseline, baselineName, ratio: figure / baseline, target, pass };
    };
    const beaten = ours.deliveredPerS >= theirs.deliveredPerS && ours.latencyMs.p99 <= theirs.latencyMs.p99 && added(ours) < added(theirs);
    const rows: Row[] = [
      compared(`peers: ${who}, delivered/s`, 'ticks/s', (r) => r.deliveredPerS, 'match or beat Cosmo at equal p99, less memory', beaten),
      compared('  same, insert-to-delivery p99', 'ms', (r) => r.latencyMs.p99),
      compared('  same, insert-to-delivery p50', 'ms', (r) => r.latencyMs.p50),
      { scenario: `  same, lost of ${ours.expected.toLocaleString('en-US')}`, figure: ours.lost, unit: 'ticks', baseline: theirs.lost, baselineName, ratio: null, target: '0', pass: ours.lost === 0 && ours.extra === 0 },
      compared('  same, server RSS added by the subscriptions (peak while ticks flow)', 'MB', added, 'less memory', added(ours) < added(theirs)),
      compared('  same, server RSS at its peak', 'MB', (r) => r.rssMB.peak, 'report (the gateway holds chDB and PGlite)'),
      compared('  same, server CPU while ticks flow', 'cores', (r) => r.cores.server),
    ];
    writeResults('peers-cosmo', rows, { topic, gateway: ours, cosmo: theirs });
    return rows;
  } finally {
    await cosmo?.stop();
    await gateway.stop();
  }
}

const HIVE_DIR = join(process.env.MG_CACHE_DIR ?? '/var/cache/marketgraph-ci', 'hive');
const HIVE_PACKAGES = ['@graphql-hive/gateway@2.15.1', '@theguild/federation-composition@0.27.0'];
const FEDERATION_SAMPLES = 300; // per query and side, after the warm-up
const FEDERATION_WARM_UP = 30;
const FEDERATION_QUERIES = [
  { name: 'latestTick of 15 instruments', query: `{ instruments(first: 15) { edges { node { symbol latestTick { time bid ask } } } } }` },
  { name: 'last 100 ticks of a symbol', query: `{ ticks(symbol: "EURUSD", first: 100) { edges { node { time bid ask } } } }` },
  { name: '10 accounts, their positions, instruments and latest ticks', query: `{ accounts(first: 10) { edges { node { id name balance positions { side volume openPrice profit instrument { symbol latestTick { time bid ask } } } } } } }` },
];

/** Hive Gateway and the composition library, installed once into the cache (npm). */
function hiveInstalled(): string {
  const bin = join(HIVE_DIR, 'node_modules', '.bin', 'hive-gateway');
  if (!existsSync(bin)) {
    progress('peers: installing Hive Gateway (once; kept in the cache)');
    execFileSync('npm', ['install', '--prefix', HIVE_DIR, '--no-audit', '--no-fund', '--loglevel=error', ...HIVE_PACKAGES], { stdio: 'inherit' });
  }
  return bin;
}

/** The gateway's subgraph schema composed into a supergraph of one subgraph (Guild's composition, as Hive does). */
async function supergraphOf(subgraphUrl: string): Promise<string> {
  const client = graphqlClient(subgraphUrl);
  try {
    const { _service } = await client.data<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const require = createRequire(join(HIVE_DIR, 'package.json'));
    const { composeServices } = require('@theguild/federation-composition') as {
      composeServices(services: { name: string; typeDefs: unknown; url: string }[]): { supergraphSdl?: string; errors?: { message: string }[] };
    };
    const result = composeServices([{ name: 'marketgraph', typeDefs: parse(_service.sdl), url: subgraphUrl }]);
    if (!result.supergraphSdl) throw new Error(`composition failed: ${result.errors?.map((e) => e.message).join('; ')}`);
    return result.supergraphSdl;
  } finally {
    client.close();
  }
}

/**
 * Federation overhead: the same queries sent to the gateway directly and through Hive Gateway in
 * front of it (a supergraph of the gateway's one subgraph), one request at a time, alternating.
 * The gateway serves the demo data.
 */
async function benchHive(): Promise<Row[]> {
  const bin = hiveInstalled();
  progress('peers: starting the gateway with the demo data');
  const gateway = await spawnGateway(gatewayEnv({ SEED_DEMO_DATA: 'true' }), 120_000);
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-hive-'));
  let hive: ChildProcess | undefined;
  try {
    writeFileSync(join(dir, 'supergraph.graphql'), await supergraphOf(gateway.url));
    const port = await freePort();
    hive = spawn(bin, ['supergraph', join(dir, 'supergraph.graphql'), '--host', '127.0.0.1', '--port', String(port)], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    const rows: Row[] = [];
    const details: Record<string, unknown> = {};
    const direct = graphqlClient(gateway.url);
    const through = graphqlClient(`http://127.0.0.1:${port}/graphql`);
    try {
      const typename = JSON.stringify({ query: '{ __typename }' });
      await untilServing(hive, 'Hive Gateway', () => through.post(typename).then((r) => r.status === 200, () => false));
      for (const { name, query } of FEDERATION_QUERIES) {
        progress(`peers: ${name}, directly and through Hive Gateway`);
        const body = JSON.stringify({ query });
        const expected = dataOf(await direct.post(body));
        const viaHive = dataOf(await through.post(body));
        if (JSON.stringify(viaHive) !== JSON.stringify(expected)) throw new Error(`Hive Gateway answered ${name} differently`);
        const samples = { direct: [] as number[], hive: [] as number[] };
        for (let i = 0; i < FEDERATION_WARM_UP + FEDERATION_SAMPLES; i++) {
          const a = await direct.post(body);
          const b = await through.post(body);
          if (a.status !== 200 || b.status !== 200) throw new Error(`${name}: HTTP ${a.status} / ${b.status}`);
          if (i >= FEDERATION_WARM_UP) samples.direct.push(a.ms), samples.hive.push(b.ms);
        }
        const d = summarize(samples.direct);
        const h = summarize(samples.hive);
        details[name] = { query, direct: d, hive: h };
        rows.push(
          { scenario: `peers: ${name} through Hive Gateway, p99`, figure: h.p99, unit: 'ms', baseline: d.p99, baselineName: 'the gateway directly', ratio: h.p99 / d.p99, target: 'report', pass: null },
          { scenario: '  same, p50', figure: h.p50, unit: 'ms', baseline: d.p50, baselineName: 'the gateway directly', ratio: h.p50 / d.p50, target: 'report', pass: null },
        );
      }
    } finally {
      direct.close();
      through.close();
    }
    writeResults('peers-hive', rows, { hive: HIVE_PACKAGES, samples: FEDERATION_SAMPLES, queries: details });
    return rows;
  } finally {
    hive?.kill('SIGTERM');
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const PEERS: Record<string, () => Promise<Row[]>> = { cosmo: benchCosmo, hive: benchHive };

/** `npm run bench:peers [-- cosmo | hive]`: both by default (cosmo needs KAFKA_BROKERS). */
export async function benchPeers(names = Object.keys(PEERS)): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of names) {
    const run = PEERS[name];
    if (!run) throw new Error(`unknown peer ${name}; the peers are: ${Object.keys(PEERS).join(', ')}`);
    rows.push(...(await run()));
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  progress(`machine: ${machine()}`);
  printTable(await benchPeers(process.argv.length > 2 ? process.argv.slice(2) : undefined));
}
