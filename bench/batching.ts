import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../src/config.js';
import { migrateUp, migrationTargets } from '../src/migrations/index.js';
import { createStores, serverStores } from '../src/stores/stores.js';
import { spawnGateway } from '../test/helpers/process-gateway.js';
import { callsBetween, dataOf, gatewayEnv, graphqlClient, metricsText, scaled, storeCalls, summarize } from './harness.js';
import { profiling } from './profile.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Scenario 4 of issue 7: accounts → positions → instrument → latestTick for 1, 50 and 500
 * accounts. The DataLoaders make it one batched call per store and level, however many
 * accounts: the round trips are counted from the gateway's store-operation histogram
 * (/metrics) around one query; the time is the HTTP request's. Baseline: the same query for
 * one account, so time(N) / time(1) is what the extra accounts cost.
 */
const ACCOUNTS = [1, 50, 500];
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `B${String(i).padStart(2, '0')}`);
const SAMPLES = scaled(200, 30);
const WARM_UP = 10;
const INSERT = `mutation($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted } }`;

// `first` is a literal: a variable would be costed at the field's cap (1,000), over QUERY_MAX_COST.
const nested = (n: number) =>
  `{ accounts(first: ${n}) { edges { node { id name balance positions { side volume openPrice profit instrument { symbol latestTick { time bid ask } } } } } } }`;

/**
 * Instruments, 500 accounts and their positions (1 to 4 each), written through the relational
 * store as src/demo/seed.ts does: the API has no mutation for accounts. With the embedded
 * engines this must happen before the gateway opens the same data directory.
 */
async function seed(dataDir: string): Promise<number> {
  const config = readConfig({ ...process.env, ...gatewayEnv({ DATA_DIR: dataDir }) });
  const stores = await createStores(config);
  await stores.relational.start();
  try {
    await migrateUp(await migrationTargets(stores, { servers: serverStores(config), names: ['relational'] }));
    await stores.relational.upsertInstruments(
      SYMBOLS.map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5, contractSize: 100_000 })),
    );
    const run = Date.now().toString(36); // logins stay unique when a server keeps earlier runs' accounts
    const accounts = await stores.relational.createAccounts(
      Array.from({ length: Math.max(...ACCOUNTS) }, (_, i) => ({ login: `${run}-${i}`, name: `Bench trader ${i}`, currency: 'USD', balance: 10_000 + i })),
    );
    const positions = accounts.flatMap((account, a) =>
      Array.from({ length: 1 + (a % 4) }, (_, p) => ({
        accountId: account.id,
        symbol: SYMBOLS[(a * 3 + p) % SYMBOLS.length]!,
        side: (a + p) % 2 === 0 ? ('BUY' as const) : ('SELL' as const),
        volume: 0.1 * (p + 1),
        openPrice: 1.1,
        openTime: Date.now() - (p + 1) * 3_600_000,
      })),
    );
    await stores.relational.createPositions(positions);
    return positions.length;
  } finally {
    await stores.relational.close();
  }
}

export async function benchBatching(): Promise<Row[]> {
  const profile = profiling('batching');
  const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-batching-'));
  const rows: Row[] = [];
  const details: Record<string, unknown> = { samples: SAMPLES, warmUp: WARM_UP };
  try {
    progress(`batching: seeding ${Math.max(...ACCOUNTS)} accounts with positions`);
    details.positionsSeeded = await seed(dataDir);
    progress('batching: starting the gateway');
    const gateway = await spawnGateway(gatewayEnv({ DATA_DIR: dataDir }), 60_000, profile.nodeArgs);
    const client = graphqlClient(gateway.url);
    try {
      // A latest tick for every instrument, so every profit has a price.
      const time = Date.now() - 1_000;
      await client.data(INSERT, { ticks: SYMBOLS.map((symbol, i) => ({ symbol, time, bid: 1.1 + i / 1000, ask: 1.1002 + i / 1000 })) });
      // The baseline: the same query for one account (the first of ACCOUNTS).
      const oneAccount: { p50?: number; trips?: number } = {};
      for (const n of ACCOUNTS) {
        const m = await measure(client, gateway.url, n);
        details[`${n} accounts`] = m;
        progress(`batching: ${plural(n, 'account')} (${plural(m.positions, 'position')}): ${m.roundTrips} round trips ${JSON.stringify(m.calls)}, p50 ${m.time.p50.toFixed(2)} ms`);
        oneAccount.p50 ??= m.time.p50;
        oneAccount.trips ??= m.roundTrips;
        rows.push(
          {
            scenario: `batching: ${plural(n, 'account')} (${plural(m.positions, 'position')}), round trips`,
            figure: m.roundTrips,
            unit: 'store calls',
            baseline: oneAccount.trips,
            baselineName: '1 account',
            ratio: m.roundTrips / oneAccount.trips,
            target: 'one per store and level: as for 1 account',
            pass: m.roundTrips === oneAccount.trips,
          },
          {
            scenario: '  same, time p50',
            figure: m.time.p50,
            unit: 'ms',
            baseline: oneAccount.p50,
            baselineName: '1 account, p50',
            ratio: m.time.p50 / oneAccount.p50,
            target: 'report',
            pass: null,
          },
        );
      }
    } finally {
      client.close();
      await gateway.stop();
      profile.summarize();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  writeResults('batching', rows, details);
  return rows;
}

const plural = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

async function measure(client: ReturnType<typeof graphqlClient>, url: string, n: number) {
  const body = JSON.stringify({ query: nested(n) });
  const data = dataOf(await client.post(body));
  const accounts = data.accounts.edges.map((e: any) => e.node);
  const positions = accounts.flatMap((a: any) => a.positions);
  if (accounts.length !== n) throw new Error(`${accounts.length} accounts of ${n}`);
  if (positions.some((p: any) => p.instrument.latestTick === null || p.profit === null)) throw new Error('a position without a latest tick');
  for (let i = 0; i < WARM_UP; i++) dataOf(await client.post(body));
  // Nothing else runs in the gateway meanwhile: what the histogram counts is this query's.
  const before = storeCalls(await metricsText(url));
  const res = await client.post(body);
  const calls = callsBetween(before, storeCalls(await metricsText(url)));
  dataOf(res);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const timed = await client.post(body);
    samples.push(timed.ms);
    dataOf(timed);
  }
  return {
    positions: positions.length,
    responseBytes: Buffer.byteLength(res.text),
    roundTrips: Object.values(calls).reduce((a, b) => a + b, 0),
    calls,
    time: summarize(samples),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) printTable(await benchBatching());
